package target

import "time"

// Operations are what any screen offers besides clinical content: the about
// page (version, active defects, clinical clock) and the session timeout.
type Operations interface {
	// OpenAbout opens the about page from the page footer.
	OpenAbout(ui UI) error
	// ExpectAbout checks the about page shows this fact ("Version",
	// "Clinical clock") with this value.
	ExpectAbout(ui UI, fact, value string) error
	// IdleFor lets the browser's clock run for d with no user activity.
	IdleFor(ui UI, d time.Duration) error
	// ExpectSessionWarning checks the EPR warns that the session will end,
	// e.g. "Your session will end in 2 minutes".
	ExpectSessionWarning(ui UI, text string) error
	// StaySignedIn answers the warning by staying signed in.
	StaySignedIn(ui UI) error
	// ExpectSessionEnded checks the EPR signed the user out for inactivity.
	ExpectSessionEnded(ui UI) error
}
