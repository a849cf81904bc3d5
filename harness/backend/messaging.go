package backend

import "context"

// Messaging is implemented by backends that know how the harness and the
// EPR reach each other's message interfaces (HL7 v2 over MLLP, FHIR
// notifications): the reference EPR's backends. For any other EPR the
// addresses come from the configuration (mllp-address, callback-host).
type Messaging interface {
	// MLLPAddr is the EPR's inbound HL7 v2 MLLP address as this host
	// reaches it ("127.0.0.1:41234"); "" when the EPR has none.
	MLLPAddr() string
	// CallbackHost is the host name or address by which the EPR reaches
	// listeners on this host: "127.0.0.1" for an EPR in this process,
	// "host.docker.internal" for one in a container.
	CallbackHost() string
}

// Callbacks say where the harness listens for what an EPR started by a
// backend sends out, so that the backend can configure its EPR to send
// there. The runner puts them in the context it gives a backend factory
// (WithCallbacks); a backend whose EPR cannot be configured ignores them.
type Callbacks struct {
	// MLLPPort is the port, on this host, of the harness's MLLP listener
	// for this backend's outbound HL7 v2 feed; the EPR reaches it at
	// CallbackHost():MLLPPort. Zero: no listener.
	MLLPPort int
}

type callbacksKey struct{}

// WithCallbacks returns ctx carrying c.
func WithCallbacks(ctx context.Context, c Callbacks) context.Context {
	return context.WithValue(ctx, callbacksKey{}, c)
}

// CallbacksFrom returns the callbacks ctx carries, if any.
func CallbacksFrom(ctx context.Context) (Callbacks, bool) {
	c, ok := ctx.Value(callbacksKey{}).(Callbacks)
	return c, ok
}
