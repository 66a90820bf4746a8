"""python -m verifier --jwks-url URL --issuer ISS [--audience AUD] [--leeway S] [--jwks-lifespan S]
[--host H] [--port N]"""

import argparse

from verifier.keys import JWKSClient
from verifier.server import make_server
from verifier.tokens import DEFAULT_LEEWAY, AccessTokenVerifier


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m verifier", description="Verify the blog's access tokens.")
    parser.add_argument("--jwks-url", required=True, help="the blog's /.well-known/jwks.json")
    parser.add_argument("--issuer", required=True, help="the iss our tokens carry (the blog's JWT_ISSUER)")
    parser.add_argument("--audience", default="", help="the aud they carry (JWT_AUDIENCE), if the blog sets one")
    parser.add_argument(
        "--leeway",
        type=int,
        default=DEFAULT_LEEWAY,
        help="seconds of clock difference tolerated (the blog's JWT_LEEWAY)",
    )
    parser.add_argument(
        "--jwks-lifespan", type=float, default=300, help="seconds the key set is kept before it is fetched again"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--log-requests", action="store_true")
    args = parser.parse_args()
    verifier = AccessTokenVerifier(
        jwks_url=args.jwks_url,
        issuer=args.issuer,
        audience=args.audience,
        leeway=args.leeway,
        keys=JWKSClient(args.jwks_url, lifespan=args.jwks_lifespan),
    )
    server = make_server(verifier, host=args.host, port=args.port, log_requests=args.log_requests)
    print(f"verifier on http://{args.host}:{server.server_port}/authorize, keys from {args.jwks_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
