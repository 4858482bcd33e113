// GOV.UK Frontend's components, started from a file: the Content-Security-Policy allows no
// inline script but the one the GOV.UK template marks with this response's nonce.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();
