// Test helper: reads {"election": {...}, "choices": [...]} on stdin, prints the ballot JSON
// made by the browser code (apps/pages/tests/test_browser_ballot.py runs it with node).
import { encryptBallot } from "./ballot-crypto.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { election, choices } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(encryptBallot(election, choices));
