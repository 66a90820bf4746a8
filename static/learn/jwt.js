/*
 * The JWT explainer (/jwt/): decode a pasted token and check its signature against this
 * site's JWKS, entirely in this browser. The token is never sent anywhere: the only
 * request this script makes is GET /.well-known/jwks.json, which carries no token.
 * Every message shown comes from a data- attribute of #jwt-explainer, so it is translated.
 */
"use strict";

(function () {
  const root = document.getElementById("jwt-explainer");
  if (!root) {
    return;
  }
  const form = document.getElementById("jwt-form");
  const input = document.getElementById("jwt-input");
  const status = document.getElementById("jwt-status");
  const verdict = document.getElementById("jwt-verdict");
  const results = document.getElementById("jwt-results");
  const raw = document.getElementById("jwt-raw");
  const headerOut = document.getElementById("jwt-header");
  const payloadOut = document.getElementById("jwt-payload");
  const signatureOut = document.getElementById("jwt-signature");
  const timesOut = document.getElementById("jwt-times");
  const language = document.documentElement.lang || "en";
  const TIME_CLAIMS = ["exp", "nbf", "iat"];

  let generation = 0; // ignore answers that arrive after a newer token was pasted
  let ticker = null;
  let jwksRequest = null;

  /** Return the message ``key`` from the data- attributes with {placeholders} filled in. */
  function message(key, values) {
    let text = root.dataset[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  class DecodeError extends Error {}

  function base64urlToBytes(part, partName) {
    if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) {
      throw new DecodeError(message("msgBase64", { part: partName }));
    }
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
    let binary;
    try {
      binary = atob(base64);
    } catch (error) {
      throw new DecodeError(message("msgBase64", { part: partName }));
    }
    return Uint8Array.from(binary, (character) => character.charCodeAt(0));
  }

  function decodeJsonPart(part, partName) {
    const bytes = base64urlToBytes(part, partName);
    let text;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      throw new DecodeError(message("msgBase64", { part: partName }));
    }
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DecodeError(message("msgJson", { part: partName }));
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new DecodeError(message("msgNotObject", { part: partName }));
    }
    return value;
  }

  /** Split and decode a compact JWT, or throw DecodeError saying what is wrong with it. */
  function decode(token) {
    const parts = token.split(".");
    if (parts.length === 5) {
      throw new DecodeError(message("msgJwe"));
    }
    if (parts.length !== 3) {
      throw new DecodeError(message("msgParts", { count: parts.length }));
    }
    return {
      parts: parts,
      header: decodeJsonPart(parts[0], message("partHeader")),
      payload: decodeJsonPart(parts[1], message("partPayload")),
      signature: base64urlToBytes(parts[2], message("partSignature")),
    };
  }

  function formatDuration(totalSeconds) {
    let seconds = Math.floor(Math.abs(totalSeconds));
    const units = [
      ["unitDay", 86400],
      ["unitHour", 3600],
      ["unitMinute", 60],
      ["unitSecond", 1],
    ];
    const pieces = [];
    for (const [key, size] of units) {
      const count = Math.floor(seconds / size);
      seconds -= count * size;
      if (count > 0 || (size === 1 && pieces.length === 0)) {
        pieces.push(message(key, { n: count }));
      }
    }
    return pieces.slice(0, 2).join(" ");
  }

  function relativeTime(claim, timestamp, now) {
    const delta = timestamp - now;
    if (claim === "exp") {
      return delta > 0
        ? message("msgExpiresIn", { time: formatDuration(delta) })
        : message("msgExpiredAgo", { time: formatDuration(delta) });
    }
    if (claim === "nbf" && delta > 0) {
      return message("msgNotYet", { time: formatDuration(delta) });
    }
    return delta > 0
      ? message("msgIn", { time: formatDuration(delta) })
      : message("msgAgo", { time: formatDuration(delta) });
  }

  function renderTimes(payload) {
    timesOut.replaceChildren();
    const countdowns = [];
    for (const claim of TIME_CLAIMS) {
      if (!(claim in payload)) {
        continue;
      }
      const term = document.createElement("dt");
      term.textContent = claim;
      const detail = document.createElement("dd");
      const value = payload[claim];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        detail.textContent = message("msgNotNumber");
      } else {
        const when = document.createElement("time");
        const date = new Date(value * 1000);
        when.dateTime = date.toISOString();
        when.textContent = date.toLocaleString(language, { dateStyle: "medium", timeStyle: "medium" });
        const countdown = document.createElement("span");
        countdown.className = "jwt-countdown";
        countdowns.push({ claim: claim, value: value, element: countdown });
        detail.append(when, " · ", countdown);
      }
      timesOut.append(term, detail);
    }
    if (!("exp" in payload)) {
      const term = document.createElement("dt");
      term.textContent = "exp";
      const detail = document.createElement("dd");
      detail.textContent = message("msgNoExp");
      timesOut.append(term, detail);
    }
    const tick = () => {
      const now = Date.now() / 1000;
      for (const { claim, value, element } of countdowns) {
        element.textContent = relativeTime(claim, value, now);
        element.classList.toggle("jwt-expired", claim === "exp" && value <= now);
      }
    };
    tick();
    ticker = countdowns.length ? window.setInterval(tick, 1000) : null;
  }

  function renderRaw(parts) {
    const classes = ["jwt-raw-header", "jwt-raw-payload", "jwt-raw-signature"];
    raw.replaceChildren();
    parts.forEach((part, index) => {
      if (index > 0) {
        raw.append(".");
      }
      const span = document.createElement("span");
      span.className = classes[index];
      span.textContent = part;
      raw.append(span);
    });
  }

  function bytesToHex(bytes) {
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function show(element, text, kind) {
    element.textContent = text;
    element.className = "jwt-status" + (kind ? " jwt-status-" + kind : "");
    element.hidden = !text;
  }

  function loadJwks() {
    if (!jwksRequest) {
      const url = root.dataset.jwksUrl;
      jwksRequest = fetch(url, { credentials: "omit", headers: { Accept: "application/json" } }).then(
        async (response) => {
          if (response.status === 404) {
            throw new DecodeError(message("msgJwksMissing", { url: url }));
          }
          if (!response.ok) {
            throw new DecodeError(message("msgJwksError", { detail: "HTTP " + response.status }));
          }
          try {
            return await response.json();
          } catch (error) {
            throw new DecodeError(message("msgJwksError", { detail: "JSON" }));
          }
        },
        () => {
          throw new DecodeError(message("msgJwksError", { detail: url }));
        },
      );
      // A failed download may succeed later (the keys were just published): try again next time.
      jwksRequest.catch(() => {
        jwksRequest = null;
      });
    }
    return jwksRequest;
  }

  /** Return [kind, message] for the signature check of a decoded token. */
  async function verify(decoded) {
    const header = decoded.header;
    if (header.alg !== "RS256") {
      return ["warn", message("msgAlg", { alg: String(header.alg) })];
    }
    if (typeof header.kid !== "string" || !header.kid) {
      return ["warn", message("msgNoKid")];
    }
    if (!window.crypto || !window.crypto.subtle) {
      return ["warn", message("msgNoWebcrypto")];
    }
    let jwks;
    try {
      jwks = await loadJwks();
    } catch (error) {
      return ["warn", error instanceof DecodeError ? error.message : message("msgJwksError", { detail: "?" })];
    }
    const keys = jwks && Array.isArray(jwks.keys) ? jwks.keys : [];
    const jwk = keys.find((key) => key && key.kid === header.kid);
    if (!jwk || jwk.kty !== "RSA") {
      return ["warn", message("msgUnknownKid", { kid: header.kid })];
    }
    const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const key = await window.crypto.subtle.importKey(
      "jwk",
      { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", ext: true },
      algorithm,
      false,
      ["verify"],
    );
    const signingInput = new TextEncoder().encode(decoded.parts[0] + "." + decoded.parts[1]);
    const valid = await window.crypto.subtle.verify(algorithm, key, decoded.signature, signingInput);
    return valid ? ["ok", message("msgValid", { kid: header.kid })] : ["bad", message("msgInvalid", { kid: header.kid })];
  }

  function reset() {
    generation += 1;
    if (ticker !== null) {
      window.clearInterval(ticker);
      ticker = null;
    }
    results.hidden = true;
    show(verdict, "", "");
  }

  async function explain() {
    reset();
    const current = generation;
    const token = input.value.trim().replace(/^Bearer\s+/i, "");
    if (!token) {
      show(status, message("msgEmpty"), "");
      return;
    }
    let decoded;
    try {
      decoded = decode(token);
    } catch (error) {
      if (!(error instanceof DecodeError)) {
        throw error;
      }
      show(status, error.message, "bad");
      return;
    }
    show(status, message("msgDecoded"), "");
    renderRaw(decoded.parts);
    headerOut.textContent = JSON.stringify(decoded.header, null, 2);
    payloadOut.textContent = JSON.stringify(decoded.payload, null, 2);
    signatureOut.textContent = decoded.signature.length
      ? message("msgSignatureBytes", { n: decoded.signature.length }) + "\n" + bytesToHex(decoded.signature)
      : message("msgNoSignature");
    renderTimes(decoded.payload);
    results.hidden = false;
    show(verdict, message("msgVerifying"), "");
    let outcome;
    try {
      outcome = await verify(decoded);
    } catch (error) {
      outcome = ["warn", message("msgJwksError", { detail: error.name || "?" })];
    }
    if (current === generation) {
      show(verdict, outcome[1], outcome[0]);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    explain();
  });
  input.addEventListener("input", explain);
  const example = document.getElementById("jwt-example");
  example.addEventListener("click", () => {
    input.value = example.dataset.token;
    explain();
    input.focus();
  });
  document.getElementById("jwt-clear").addEventListener("click", () => {
    input.value = "";
    explain();
    input.focus();
  });
  form.hidden = false;
  explain();
})();
