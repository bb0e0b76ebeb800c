// Test helper: reads {"election": {...}, "choices": [...]} on stdin and prints the ballot JSON
// made by the browser code (apps/pages/tests/test_browser_ballot.py and
// test_browser_contest_ballot.py run it with node). An election with `contests` (record
// format 2) takes one list of values per contest. With "revealing": true it prints
// {"ballot", "randomness", "tracker", ...} instead, what challenging the ballot reveals; with
// "scalars" (hex) it draws its randomness from that list in order instead of the CSPRNG, so
// that a test can compare its output with evcrypto's for the same randomness. Many ballots in
// one run: {"jobs": [{"election", "choices", ...}, ...]} prints a JSON list with what each
// job alone would print (tests/integration/test_contest_election.py).
import { encryptBallotRevealing } from "./ballot-crypto.js";
import { encryptContestBallotRevealing } from "./contest-crypto.js";

function make({ election, choices, revealing, scalars }) {
  let random;
  if (scalars !== undefined) {
    const queue = scalars.map((text) => BigInt("0x" + text));
    random = () => {
      if (queue.length === 0) throw new Error("the given scalars ran out");
      return queue.shift();
    };
  }
  const encrypt = election.contests !== undefined ? encryptContestBallotRevealing : encryptBallotRevealing;
  const result = encrypt(election, choices, random);
  return revealing ? JSON.stringify(result) : result.ballot;
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(input.jobs !== undefined ? JSON.stringify(input.jobs.map(make)) : make(input));
