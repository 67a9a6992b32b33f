package watchdog

import "context"

// BlockLoop wedges service name's loop until release is called, simulating a
// deadlocked supervision loop.
func (s *Supervisor) BlockLoop(name string) (release func(), err error) {
	svc, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	entered, gate := make(chan struct{}), make(chan struct{})
	go func() { _ = svc.call(context.Background(), func() { close(entered); <-gate }) }()
	<-entered
	return func() { close(gate) }, nil
}
