// Ballot encryption in the browser, following evcrypto exactly (evcrypto/ballot.py,
// proofs.py, encoding.py, secp256k1.py): exponential ElGamal on secp256k1, a two-branch disjunctive
// Chaum-Pedersen proof per candidate, a min..max range proof on the sum, and one Fiat-Shamir
// challenge over the whole statement. The server verifies the result with evcrypto
// (apps/pages/tests/test_browser_ballot.py checks that it does).
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";

const Point = secp256k1.Point;
const G = Point.BASE;
const N = Point.Fn.ORDER;
const BALLOT_DOMAIN = "evoting/ballot/v1";
const GROUP_NAME = "secp256k1";

const mod = (a) => ((a % N) + N) % N;

// k*P for any scalar k, including 0 (evcrypto's group allows it; noble's multiply does not).
function mul(point, k) {
  const scalar = mod(k);
  return scalar === 0n ? Point.ZERO : point.multiply(scalar);
}

const mulBase = (k) => mul(G, k);

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A point as evcrypto writes it: 33-byte compressed SEC1, or "00" for the identity.
export function pointHex(point) {
  return point.is0() ? "00" : hex(point.toBytes(true));
}

export function pointFromHex(text) {
  if (text === "00") return Point.ZERO;
  if (!/^0[23][0-9a-f]{64}$/.test(text)) throw new Error("not a compressed secp256k1 point");
  return Point.fromHex(text);
}

export const scalarHex = (k) => k.toString(16).padStart(64, "0");

// A uniform scalar in 1..n-1 from the browser's CSPRNG (rejection sampling, no modulo bias).
export function randomScalar() {
  const bytes = new Uint8Array(32);
  for (;;) {
    crypto.getRandomValues(bytes);
    const k = BigInt("0x" + hex(bytes));
    if (k > 0n && k < N) return k;
  }
}

// evcrypto.encoding.canonical_json: keys sorted, no whitespace, UTF-8, integers only.
export function canonicalJson(value) {
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error("not an integer");
  return JSON.stringify(value);
}

// evcrypto.proofs.fiat_shamir_challenge: SHA-256 of the canonical transcript, mod n.
export function challengeFor(domain, statement) {
  const transcript = { domain, group: GROUP_NAME, statement };
  const digest = sha256(new TextEncoder().encode(canonicalJson(transcript)));
  return mod(BigInt("0x" + hex(digest)));
}

// The election key from its hex. The identity as a key would make every ciphertext readable
// (beta = m*G): refuse it, as evcrypto does.
export function electionKey(text) {
  const h = pointFromHex(text);
  if (h.is0()) throw new Error("the election key is the identity");
  return h;
}

// evcrypto.elgamal.encrypt_with: (r*G, r*h + m*G) for a small integer m.
export function encryptWith(h, m, r) {
  return { alpha: mulBase(r), beta: mul(h, r).add(mulBase(BigInt(m))) };
}

export const ciphertextHex = (c) => [pointHex(c.alpha), pointHex(c.beta)];

// The sum of encryption randomness, mod n: the randomness of the sum of the ciphertexts.
export const sumScalars = (scalars) => mod(scalars.reduce((sum, r) => sum + r, 0n));

// The commitments of pending range proofs, as a challenge's statement lists them.
export const commitmentsHex = (pending) =>
  pending.map((p) => p.branches.map((b) => [pointHex(b.a), pointHex(b.b)]));

// One range proof up to its challenge: the real branch commits, the others are simulated.
export function commitRange(h, r, value, low, high, random) {
  const nonce = random();
  const branches = [];
  for (let v = low; v <= high; v++) {
    if (v === value) {
      branches.push({ a: mulBase(nonce), b: mul(h, nonce), c: 0n, z: 0n });
      continue;
    }
    const c = random();
    const z = random();
    // a = z*g - c*alpha and b = z*h - c*(beta - v*g), written with t = z - c*r as in evcrypto.
    const t = mod(z - c * r);
    const b = mul(h, t).add(mulBase(-c * BigInt(value - v)));
    branches.push({ a: mulBase(t), b, c, z });
  }
  return { realIndex: value - low, nonce, r, branches };
}

export function finishRange(pending, challenge) {
  let simulated = 0n;
  pending.branches.forEach((branch, i) => {
    if (i !== pending.realIndex) simulated += branch.c;
  });
  const realChallenge = mod(challenge - simulated);
  const realResponse = mod(pending.nonce + realChallenge * pending.r);
  return pending.branches.map((branch, i) => {
    const [c, z] = i === pending.realIndex ? [realChallenge, realResponse] : [branch.c, branch.z];
    return { a: pointHex(branch.a), b: pointHex(branch.b), challenge: scalarHex(c), response: scalarHex(z) };
  });
}

/**
 * Encrypt `choices` (one 0/1 per candidate, in candidate order) and prove the ballot well
 * formed. `election` holds public_key (hex), election_hash, voter_pseudonym, min_selections and
 * max_selections, as the ballot page publishes them. Returns the canonical JSON string.
 */
export function encryptBallot(election, choices, random = randomScalar) {
  return encryptBallotRevealing(election, choices, random).ballot;
}

/**
 * encryptBallot, also returning what a voter reveals to challenge the ballot instead of
 * casting it (evcrypto/spoil.py): each selection's randomness (hex scalars, in candidate
 * order) and the ballot's tracker (SHA-256 hex of the canonical JSON, as the receipt shows).
 */
export function encryptBallotRevealing(election, choices, random = randomScalar) {
  const low = election.min_selections;
  const high = election.max_selections;
  const selected = choices.reduce((sum, m) => sum + m, 0);
  if (!choices.every((m) => m === 0 || m === 1)) throw new Error("choices must be 0 or 1");
  if (selected < low || selected > high) throw new Error("selection count out of range");
  const h = electionKey(election.public_key);
  const randomness = choices.map(() => random());
  const ciphertexts = choices.map((m, i) => encryptWith(h, m, randomness[i]));
  const pending = ciphertexts.map((_, i) => commitRange(h, randomness[i], choices[i], 0, 1, random));
  pending.push(commitRange(h, sumScalars(randomness), selected, low, high, random));
  const challenge = challengeFor(BALLOT_DOMAIN, {
    election_hash: election.election_hash,
    public_key: pointHex(h),
    voter: election.voter_pseudonym,
    min_selections: low,
    max_selections: high,
    ciphertexts: ciphertexts.map(ciphertextHex),
    commitments: commitmentsHex(pending),
  });
  const proofs = pending.map((p) => finishRange(p, challenge));
  const ballot = {
    election_hash: election.election_hash,
    voter: election.voter_pseudonym,
    selections: ciphertexts.map((c, i) => ({
      alpha: pointHex(c.alpha),
      beta: pointHex(c.beta),
      proof: proofs[i],
    })),
    count_proof: proofs[proofs.length - 1],
  };
  return revealing(ballot, randomness);
}

// A ballot as cast (its canonical JSON) with what challenging it reveals: the randomness of
// every ciphertext, in ballot order, and the tracker (SHA-256 hex of the canonical JSON).
export function revealing(ballot, randomness) {
  const text = canonicalJson(ballot);
  return {
    ballot: text,
    randomness: randomness.map(scalarHex),
    tracker: hex(sha256(new TextEncoder().encode(text))),
  };
}
