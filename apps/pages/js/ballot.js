// The ballot page: encrypt and prove the choice in the browser, then post only the ballot.
// The candidate inputs are disabled before submitting, so the plain choice is never sent.
import { encryptBallot } from "./ballot-crypto.js";

const form = document.getElementById("ballot-form");
const dataNode = document.getElementById("ballot-crypto");
if (form && dataNode && window.crypto && window.crypto.getRandomValues) {
  const election = JSON.parse(dataNode.textContent);
  const messages = JSON.parse(document.getElementById("ballot-messages").textContent);
  const status = document.getElementById("crypto-status");
  const inputs = Array.from(form.querySelectorAll('input[name="candidate"]'));
  form.querySelectorAll(".js-only").forEach((node) => { node.hidden = false; });
  form.querySelectorAll(".no-js").forEach((node) => { node.hidden = true; });
  form.addEventListener("submit", (event) => {
    const chosen = inputs.filter((input) => input.checked).length;
    if (chosen < election.min_selections || chosen > election.max_selections) return; // server shows the error summary
    event.preventDefault();
    status.textContent = messages.encrypting;
    const choices = new Array(election.candidate_count).fill(0);
    inputs.forEach((input) => { if (input.checked) choices[Number(input.dataset.position)] = 1; });
    // Let the status paint before the (short) computation.
    setTimeout(() => {
      try {
        form.elements.ballot.value = encryptBallot(election, choices);
      } catch (error) {
        status.textContent = messages.failed;
        return;
      }
      inputs.forEach((input) => { input.disabled = true; });
      form.submit();
    }, 0);
  });
}
