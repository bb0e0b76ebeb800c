// The ballot page: encrypt and prove the choice in the browser, then let the voter cast it or
// check it (the Benaloh challenge). Casting posts only the ballot; checking posts the ballot
// with its randomness and the choice it encrypts to the spoil page, which decodes and shows
// it: that ballot is published as spoiled, never counted, and the voter encrypts afresh.
// The candidate inputs are disabled before submitting, so the plain choice is never sent; with
// the wrong number of choices nothing is sent at all and the page says what is expected.
import { encryptBallotRevealing } from "./ballot-crypto.js";

// EVOTING_TEST_BUILD is a build-time constant: `npm run build` (make static) defines it as
// false, so esbuild drops the test-only branch below from the production bundle; only
// `npm run build:test` (tests/browser, writing outside the static files) defines it as true.
// Test builds only: a page that encrypts the next candidate instead of the one marked, as a
// malicious or buggy page might, so that the browser tests can show the check catches it.
function encryptedChoices(choices) {
  // eslint-disable-next-line no-undef
  if (EVOTING_TEST_BUILD && window.__encryptAnotherCandidate) {
    return choices.map((_, i) => choices[(i + choices.length - 1) % choices.length]);
  }
  return choices;
}

const form = document.getElementById("ballot-form");
const spoilForm = document.getElementById("spoil-form");
const dataNode = document.getElementById("ballot-crypto");
if (form && spoilForm && dataNode && window.crypto && window.crypto.getRandomValues) {
  const election = JSON.parse(dataNode.textContent);
  const messages = JSON.parse(document.getElementById("ballot-messages").textContent);
  const status = document.getElementById("crypto-status");
  const inputs = Array.from(form.querySelectorAll('input[name="candidate"]'));
  const encryptButton = document.getElementById("cast");
  const decision = document.getElementById("decision");
  let encrypted = null;
  form.querySelectorAll(".js-only").forEach((node) => { node.hidden = false; });
  form.querySelectorAll(".no-js").forEach((node) => { node.hidden = true; });
  encryptButton.textContent = messages.encrypt;
  // Changing the choice after encrypting needs a new encryption.
  inputs.forEach((input) => input.addEventListener("change", () => {
    encrypted = null;
    decision.hidden = true;
    encryptButton.hidden = false;
  }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (encrypted) return;
    const chosen = inputs.filter((input) => input.checked).length;
    if (chosen < election.min_selections || chosen > election.max_selections) {
      status.setAttribute("role", "alert");
      status.textContent = messages.wrong_count;
      return;
    }
    status.setAttribute("role", "status");
    status.textContent = messages.encrypting;
    const marked = new Array(election.candidate_count).fill(0);
    inputs.forEach((input) => { if (input.checked) marked[Number(input.dataset.position)] = 1; });
    const choices = encryptedChoices(marked);
    // Let the status paint before the (short) computation.
    setTimeout(() => {
      try {
        encrypted = { ...encryptBallotRevealing(election, choices), choices };
      } catch (error) {
        status.textContent = messages.failed;
        return;
      }
      status.textContent = messages.encrypted;
      document.getElementById("new-tracker").textContent = encrypted.tracker;
      encryptButton.hidden = true;
      decision.hidden = false;
      document.getElementById("cast-encrypted").focus();
    }, 0);
  });
  document.getElementById("cast-encrypted").addEventListener("click", () => {
    if (!encrypted) return;
    form.elements.ballot.value = encrypted.ballot;
    inputs.forEach((input) => { input.disabled = true; });
    form.submit();
  });
  document.getElementById("check-encrypted").addEventListener("click", () => {
    if (!encrypted) return;
    spoilForm.elements.ballot.value = encrypted.ballot;
    spoilForm.elements.randomness.value = JSON.stringify(encrypted.randomness);
    spoilForm.elements.choice.value = JSON.stringify(encrypted.choices);
    spoilForm.submit();
  });
}
