// Ballots of record format 2 (contests and counting rules) in the browser, following
// evcrypto/contest_ballot.py and evcrypto/contests.py exactly: per option a ciphertext of its
// value with a range proof 0..option_max; where the contest's rule bounds the total (choose:
// min..max, cumulative: 0..K), a range proof on the sum of the contest's ciphertexts; and one
// Fiat-Shamir challenge per contest over the election hash, the key, the voter's pseudonym,
// the contest's index, id and rule, every ciphertext of the ballot and the contest's
// commitments. The group, encoding and range proofs are ballot-crypto.js's.
// apps/pages/tests/test_browser_contest_ballot.py checks that evcrypto accepts the result.
import {
  challengeFor,
  ciphertextHex,
  commitRange,
  commitmentsHex,
  electionKey,
  encryptWith,
  finishRange,
  pointHex,
  randomScalar,
  revealing,
  sumScalars,
} from "./ballot-crypto.js";

const CONTEST_BALLOT_DOMAIN = "evoting/contest-ballot/v2";
// evcrypto/contests.py's limits.
const MAX_SCORE = 10;
const MAX_POINTS = 100;
const MAX_CONTESTS = 100;
const MAX_OPTIONS = 1000;

function integerIn(value, what, low, high) {
  if (!Number.isSafeInteger(value) || value < low || value > high) {
    throw new Error(`${what}: expected an integer in ${low}..${high}`);
  }
  return value;
}

// A published rule (evcrypto's Rule.to_dict()): the dict the challenge hashes, the most one
// option may hold, and the range of the contest's total (null when the rule bounds none).
function readRule(rule, where, options) {
  const kind = rule !== null && typeof rule === "object" ? rule.kind : undefined;
  if (kind === "choose") {
    const min = integerIn(rule.min, `${where} choose rule min`, 0, options);
    const max = integerIn(rule.max, `${where} choose rule max`, Math.max(min, 1), options);
    return { dict: { kind, min, max }, optionMax: 1, total: [min, max] };
  }
  if (kind === "score") {
    const maxScore = integerIn(rule.max_score, `${where} score rule max_score`, 1, MAX_SCORE);
    return { dict: { kind, max_score: maxScore }, optionMax: maxScore, total: null };
  }
  if (kind === "cumulative") {
    const points = integerIn(rule.points, `${where} cumulative rule points`, 1, MAX_POINTS);
    const most = integerIn(rule.max_per_option, `${where} cumulative rule max_per_option`, 1, points);
    return { dict: { kind, points, max_per_option: most }, optionMax: most, total: [0, points] };
  }
  throw new Error(`${where}: rule kind must be one of choose, cumulative, score`);
}

// The parameters' `contests` list as the page publishes it (evcrypto's Contest.to_dict()).
function readContests(contests) {
  if (!Array.isArray(contests) || contests.length < 1 || contests.length > MAX_CONTESTS) {
    throw new Error(`contests: need a list of 1..${MAX_CONTESTS} contests`);
  }
  const ids = new Set();
  let optionCount = 0;
  const read = contests.map((contest, index) => {
    const id = contest !== null && typeof contest === "object" ? contest.id : undefined;
    if (typeof id !== "string" || id === "") throw new Error(`contest ${index}: id must be a string`);
    if (ids.has(id)) throw new Error(`contests: id ${JSON.stringify(id)} appears twice`);
    ids.add(id);
    const where = `contest ${id}`;
    if (!Array.isArray(contest.options) || contest.options.length < 1) {
      throw new Error(`${where}: need a list of options`);
    }
    optionCount += contest.options.length;
    const options = contest.options.length;
    return { id, options, rule: readRule(contest.rule, where, options) };
  });
  if (optionCount > MAX_OPTIONS) throw new Error(`contests: more than ${MAX_OPTIONS} options in all`);
  return read;
}

// evcrypto's Contest.check_values: one integer per option within the rule, the total within
// its range.
function checkValues(contest, values) {
  const where = `contest ${contest.id}`;
  if (!Array.isArray(values)) throw new Error(`${where}: expected a list of integers`);
  if (values.length !== contest.options) {
    throw new Error(`${where}: ${values.length} values for ${contest.options} options`);
  }
  const high = contest.rule.optionMax;
  if (!values.every((v) => Number.isSafeInteger(v) && v >= 0 && v <= high)) {
    throw new Error(`${where}: every value must be an integer in 0..${high}`);
  }
  const total = values.reduce((sum, v) => sum + v, 0);
  const limits = contest.rule.total;
  if (limits !== null && (total < limits[0] || total > limits[1])) {
    throw new Error(`${where}: total ${total} outside ${limits[0]}..${limits[1]}`);
  }
  return values;
}

/**
 * Encrypt `choices` (per contest, one integer per option, in the parameters' order) of a
 * format-2 election and prove every contest within its rule. `election` holds public_key
 * (hex), election_hash, voter_pseudonym and contests (the parameters' list). Values outside a
 * rule are refused with an Error before anything is encrypted. Returns the canonical JSON.
 */
export function encryptContestBallot(election, choices, random = randomScalar) {
  return encryptContestBallotRevealing(election, choices, random).ballot;
}

/**
 * encryptContestBallot, also returning what a voter reveals to challenge the ballot instead of
 * casting it (evcrypto/spoil.py): every option's value (`choice`) and randomness (hex
 * scalars), both in ballot order, contest after contest, and the ballot's tracker.
 */
export function encryptContestBallotRevealing(election, choices, random = randomScalar) {
  const contests = readContests(election.contests);
  if (!Array.isArray(choices) || choices.length !== contests.length) {
    const count = Array.isArray(choices) ? choices.length : "no list";
    throw new Error(`choices: ${count} for ${contests.length} contests`);
  }
  const values = contests.flatMap((contest, i) => checkValues(contest, choices[i]));
  if (!/^[0-9a-f]{64}$/.test(election.election_hash)) {
    throw new Error("election hash: expected 64 lowercase hex digits");
  }
  if (typeof election.voter_pseudonym !== "string" || election.voter_pseudonym === "") {
    throw new Error("voter pseudonym: expected a string");
  }
  const h = electionKey(election.public_key);
  const randomness = values.map(() => random());
  const ciphertexts = values.map((m, i) => encryptWith(h, m, randomness[i]));
  const everyCiphertext = ciphertexts.map(ciphertextHex);
  let start = 0;
  const parts = contests.map((contest, index) => {
    const own = Array.from({ length: contest.options }, (_, j) => start + j);
    start += contest.options;
    const { optionMax, total } = contest.rule;
    const pending = own.map((i) => commitRange(h, randomness[i], values[i], 0, optionMax, random));
    if (total !== null) {
      const sum = own.reduce((s, i) => s + values[i], 0);
      const r = sumScalars(own.map((i) => randomness[i]));
      pending.push(commitRange(h, r, sum, total[0], total[1], random));
    }
    const challenge = challengeFor(CONTEST_BALLOT_DOMAIN, {
      election_hash: election.election_hash,
      public_key: pointHex(h),
      voter: election.voter_pseudonym,
      contest_index: index,
      contest_id: contest.id,
      rule: contest.rule.dict,
      ciphertexts: everyCiphertext,
      commitments: commitmentsHex(pending),
    });
    const proofs = pending.map((p) => finishRange(p, challenge));
    return {
      id: contest.id,
      selections: own.map((i, j) => ({
        alpha: everyCiphertext[i][0],
        beta: everyCiphertext[i][1],
        proof: proofs[j],
      })),
      total_proof: total !== null ? proofs[own.length] : [],
    };
  });
  const ballot = {
    election_hash: election.election_hash,
    voter: election.voter_pseudonym,
    contests: parts,
  };
  return { ...revealing(ballot, randomness), choice: values };
}
