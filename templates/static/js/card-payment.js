// Card payment into escrow on the deal page, with Stripe.js (Stripe Elements).
// The form carries the PaymentIntent's client secret (shown to the buyer only); the
// escrow is funded by the payment_intent.succeeded webhook, not by this page.
(function () {
  'use strict';
  const form = document.getElementById('card-payment');
  if (!form || typeof window.Stripe !== 'function') return;
  const stripe = window.Stripe(form.dataset.key);
  const card = stripe.elements().create('card');
  card.mount('#card-element');
  const message = form.querySelector('.card-message');
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    button.disabled = true;
    message.textContent = form.dataset.working;
    const result = await stripe.confirmCardPayment(form.dataset.clientSecret, {
      payment_method: { card: card },
    });
    if (result.error) {
      message.textContent = result.error.message || form.dataset.failed;
      button.disabled = false;
      return;
    }
    message.textContent = form.dataset.done;
    // A page answering a POST (the auction deposit's) names where to go instead of
    // reloading, which would post again.
    window.setTimeout(function () {
      if (form.dataset.next) window.location.assign(form.dataset.next);
      else window.location.reload();
    }, 3000);
  });
})();
