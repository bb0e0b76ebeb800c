// The ballot page: encrypt and prove the choice in the browser, then let the voter cast it or
// check it (the Benaloh challenge). Casting posts only the ballot; checking posts the ballot
// with its randomness and the choice it encrypts to the spoil page, which decodes and shows
// it: that ballot is published as spoiled, never counted, and the voter encrypts afresh.
// The choice inputs are disabled before submitting, so the plain choice is never sent; with
// a choice its rule does not allow nothing is sent at all and the page says what is expected.
// An election of contests (record format 2) has one fieldset per contest, each input naming
// its contest and option (data-contest, data-option), and is encrypted by contest-crypto.js.
import { encryptBallotRevealing } from "./ballot-crypto.js";
import { encryptContestBallotRevealing } from "./contest-crypto.js";

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

// A single question: 1 for each marked candidate, in ballot order; or the rule in words.
function singleQuestion(form, election, messages) {
  const inputs = Array.from(form.querySelectorAll('input[name="candidate"]'));
  return {
    inputs,
    read() {
      const chosen = inputs.filter((input) => input.checked).length;
      if (chosen < election.min_selections || chosen > election.max_selections) {
        return { problems: [messages.wrong_count] };
      }
      const marked = new Array(election.candidate_count).fill(0);
      inputs.forEach((input) => { if (input.checked) marked[Number(input.dataset.position)] = 1; });
      return { choices: encryptedChoices(marked) };
    },
    encrypt(choices) {
      return { ...encryptBallotRevealing(election, choices), choices };
    },
  };
}

// The value the inputs of one option give it: a marked choice 1; the checked score; the
// points typed (empty is 0). NaN for anything but a whole number.
function optionValue(inputs) {
  if (inputs[0].type === "checkbox" || (inputs[0].type === "radio" && inputs.length === 1)) {
    return inputs[0].checked ? 1 : 0;
  }
  if (inputs[0].type === "radio") {
    const checked = inputs.find((input) => input.checked);
    return checked ? Number(checked.value) : 0;
  }
  const text = inputs[0].value.trim();
  return text === "" ? 0 : (/^[0-9]+$/.test(text) ? Number(text) : NaN);
}

// Whether a contest's values keep its published rule (evcrypto's Contest.check_values).
function keepsRule(rule, values) {
  const high = { choose: 1, score: rule.max_score, cumulative: rule.max_per_option }[rule.kind];
  if (!values.every((v) => Number.isSafeInteger(v) && v >= 0 && v <= high)) return false;
  const total = values.reduce((sum, v) => sum + v, 0);
  if (rule.kind === "choose") return total >= rule.min && total <= rule.max;
  if (rule.kind === "cumulative") return total <= rule.points;
  return true;
}

// An election of contests: per contest, one value per option; or, for each contest whose
// values break its rule, what that contest allows.
function contestQuestions(form, election) {
  const inputs = Array.from(form.querySelectorAll("input[data-contest]"));
  const fieldsets = Array.from(form.querySelectorAll("fieldset.contest"));
  const contestValues = (index) => {
    const own = inputs.filter((input) => Number(input.dataset.contest) === index);
    const count = election.contests[index].options.length;
    return Array.from({ length: count }, (_, j) =>
      optionValue(own.filter((input) => Number(input.dataset.option) === j)));
  };
  const showUsed = () => form.querySelectorAll("output[data-used]").forEach((output) => {
    const used = contestValues(Number(output.dataset.used)).reduce((sum, v) => sum + v, 0);
    output.textContent = Number.isNaN(used) ? "?" : String(used);
  });
  inputs.forEach((input) => input.addEventListener("input", showUsed));
  showUsed();
  return {
    inputs,
    read() {
      const choices = election.contests.map((_, index) => contestValues(index));
      const problems = [];
      fieldsets.forEach((fieldset, index) => {
        const broken = !keepsRule(election.contests[index].rule, choices[index]);
        fieldset.querySelectorAll("input[data-contest]").forEach((input) => {
          if (broken) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        });
        if (broken) problems.push(fieldset.dataset.error);
      });
      return problems.length ? { problems } : { choices };
    },
    encrypt(choices) {
      const encrypted = encryptContestBallotRevealing(election, choices);
      return { ...encrypted, choices: encrypted.choice };
    },
  };
}

const form = document.getElementById("ballot-form");
const spoilForm = document.getElementById("spoil-form");
const dataNode = document.getElementById("ballot-crypto");
if (form && spoilForm && dataNode && window.crypto && window.crypto.getRandomValues) {
  const election = JSON.parse(dataNode.textContent);
  const messages = JSON.parse(document.getElementById("ballot-messages").textContent);
  const status = document.getElementById("crypto-status");
  const ballot = election.contests
    ? contestQuestions(form, election)
    : singleQuestion(form, election, messages);
  const encryptButton = document.getElementById("cast");
  const decision = document.getElementById("decision");
  let encrypted = null;
  form.querySelectorAll(".js-only").forEach((node) => { node.hidden = false; });
  form.querySelectorAll(".no-js").forEach((node) => { node.hidden = true; });
  encryptButton.textContent = messages.encrypt;
  // Changing the choice after encrypting needs a new encryption.
  ballot.inputs.forEach((input) => ["change", "input"].forEach((type) =>
    input.addEventListener(type, () => {
      encrypted = null;
      decision.hidden = true;
      encryptButton.hidden = false;
    })));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (encrypted) return;
    const { choices, problems } = ballot.read();
    if (problems) {
      status.setAttribute("role", "alert");
      status.classList.add("error");
      status.textContent = problems.join(" ");
      return;
    }
    status.setAttribute("role", "status");
    status.classList.remove("error");
    status.textContent = messages.encrypting;
    // Let the status paint before the (short) computation.
    setTimeout(() => {
      try {
        encrypted = ballot.encrypt(choices);
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
    ballot.inputs.forEach((input) => { input.disabled = true; });
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
