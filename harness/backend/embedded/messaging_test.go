package embedded

import (
	"context"
	"testing"

	"github.com/eprharness/eprharness/harness/backend"
)

type mllpApp struct {
	fakeApp
	addr string
}

func (a *mllpApp) MLLPAddr() string { return a.addr }

func TestMessagingForwardsTheAppsMLLPAddress(t *testing.T) {
	for _, tc := range []struct {
		app  App
		want string
	}{
		{&mllpApp{addr: "127.0.0.1:41234"}, "127.0.0.1:41234"},
		{&fakeApp{}, ""},
	} {
		b, err := Run(context.Background(), WithApp(func(context.Context) (App, error) { return tc.app, nil }))
		if err != nil {
			t.Fatal(err)
		}
		var m backend.Messaging = b
		if got := m.MLLPAddr(); got != tc.want {
			t.Errorf("MLLPAddr() = %q, want %q", got, tc.want)
		}
		if got := m.CallbackHost(); got != "127.0.0.1" {
			t.Errorf("CallbackHost() = %q", got)
		}
		if err := b.Terminate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
