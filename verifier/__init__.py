"""A verifier of the blog's access tokens that needs only the blog's JWKS.

No Django, no database, no private key: the blog publishes its public keys at
``/.well-known/jwks.json`` and this service checks every token with them, as strictly as
the blog does (tokens/tokens.py). Two faces on one core (``tokens.py``): an HTTP
endpoint for nginx's ``auth_request`` (``server.py``) and an API Gateway Lambda
authorizer (``lambda_authorizer.py``).
"""
