// Package a11y checks pages for accessibility with axe-core: it fetches and
// caches the engine (Install), runs it in a Playwright page (Engine.Check),
// outlines what failed in a screenshot (Engine.Outline), turns standards
// into axe-core tags (Standard, Criteria), keys pages (PageKey) and applies
// an organisation's baseline of accepted violations (LoadBaseline).
//
// # Why axe-core, fetched from npm
//
// We do not write accessibility rules: axe-core (Deque, MPL-2.0) is the
// engine the public sector's auditors and most tools use, and its results
// name WCAG criteria. It is a single browser script, published on the npm
// registry like the Playwright driver, so `eprharness install` fetches it
// the same way: axe-core 4.14.1 pinned, the tarball checked against npm's
// sha512 integrity and axe.min.js against a pinned sha256, written
// atomically into the cache ($EPRHARNESS_CACHE_DIR, else eprharness in the
// user cache folder: axe-core/4.14.1/axe.min.js). Nothing is vendored into
// the repository or the binary, and no Node.js package manager runs. Load
// re-checks the sha256 of the cached copy every time, so a corrupted or
// altered cache is an error (Install fetches it again). A mirror is
// WithRegistry, $EPRHARNESS_NPM_REGISTRY or npm's $npm_config_registry
// (no authentication: a mirror that needs it can be read through
// WithScript, which takes an axe.min.js as it is, unchecked).
//
// # Checks
//
// Check injects axe-core into every frame of the page that lacks it, with
// page.Evaluate of the source: the DevTools protocol is not subject to the
// page's Content-Security-Policy (a <script> element would be refused by
// script-src), which the tests prove on a page whose own inline script is
// blocked. Frames are checked with the page, cross-origin ones included
// (every frame gets axe-core, and axe-core is told to talk to frames of any
// origin); their elements' targets read "iframe >>> #nhs". A scope (WithScope) checks one
// element, such as a dialog, and nothing outside it. axe-core is asked for
// violations only (resultTypes), which trims the elements listed for
// passes and incomplete results but not the rules, so Passes and
// Incomplete are exact counts of rules. A check reads the page as it is;
// waiting for the page to settle is the caller's business.
//
// Errors from Check and Outline (the page navigated away, closed or
// crashed; the context ended) are the environment's, marked
// failure.Harness, never violations. Playwright calls take no context:
// when ctx ends first, Check returns ctx's error and the call finishes
// in the background.
//
// Outline marks the violation's elements with an attribute and a
// constructed style sheet (CSSOM, which style-src does not block), takes a
// full-page PNG and removes both, leaving the DOM as it was (the
// screenshot keeps the text caret: Playwright's caret hiding would leave
// style="" on inputs). Elements in cross-origin frames are not outlined.
//
// # Cost
//
// Measured on the 2-core CI machine while other work shared it (load
// average 5 to 11; TestCheckTiming logs it): injecting axe-core into a
// page costs 1–2 s (the 0.65 MB script is compiled anew in every
// document, so the first check after each navigation pays it; later
// checks of the same document reuse it); the check itself then takes
// 50–75 ms for a small form and 0.4–2 s for a patient list of 60 rows
// (colour contrast dominates). A run-wide scan therefore costs about 1.5–4
// s per distinct page, not per scenario: the reference EPR has about 25
// page routes (page keys), so scanning a 100-scenario suite adds roughly
// 40–100 s of checks spread over the workers, against about 4 minutes for
// the suite itself.
//
// # Concurrency
//
// An Engine holds only the script: one Engine serves every worker, and
// Checks of different pages may run at once. axe-core refuses a second run
// in the same page while one is going ("Axe is already running"): that
// comes back as an error. A Baseline is safe for concurrent Apply, Fixed,
// Expired and Entries. Install may run in several processes at once: each
// writes a temporary file and renames it into place.
//
// # Page keys
//
// PageKey drops the origin and the query, keeps a #fragment route
// without its ?parameters, and replaces path segments that look like ids
// (digits, NHS numbers, UUIDs, long hex, Orthanc ids) with {id}:
// https://epr.example/patients/9990000018/record?tab=2 is
// /patients/{id}/record. The run-wide scan checks each key once, and
// baseline entries name pages by it.
//
// # Baseline file
//
// An organisation's accepted known violations, each with a reason, an
// owner and an expiry date:
//
//	# Accessibility baseline: known violations the organisation has accepted.
//	accepted:
//	  - rule: color-contrast            # axe rule id (required)
//	    page: /patients/{id}/record      # page key or glob with * (optional if selector given)
//	    selector: "#legacy-footer"       # CSS selector as axe reports it (optional; substring match on node target)
//	    reason: Supplier fix due in 4.2   # required
//	    owner: Digital accessibility lead # required
//	    expires: 2027-03-31               # required, YYYY-MM-DD
//
// An entry needs a page, a selector or both. A page written with its id
// (/patients/9990000018/record) is keyed like a checked page; * in a page
// matches any characters, slashes included. LoadBaseline reports every
// problem (unknown or repeated fields, missing ones, bad dates, duplicate
// entries) with its line and field, as a *BaselineError; Check gives the
// same list to `eprharness check`. Apply marks each violation with the
// first entry (in file order) that accepts it; an entry accepts through its
// expiry date and not after (the date in today's own location). Expired
// lists entries past their date, which fail the run until renewed or
// removed; Fixed lists entries that matched nothing although their rule
// was run and decided on a page of theirs checked whole in the run, so
// they can be pruned (a rule axe-core left incomplete there, or whose tags
// the run did not check, proves nothing).
package a11y
