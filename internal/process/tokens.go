package process

import "github.com/parleychat/parley/internal/process/tokens"

// The runner's short names for the data of package tokens, which documents them: where an
// instance is, and what each token waits for.
type (
	token     = tokens.Token
	scope     = tokens.Scope
	tokenSet  = tokens.Set
	loopState = tokens.Loop
)

const (
	waitTask     = tokens.WaitTask
	waitJob      = tokens.WaitJob
	waitTimer    = tokens.WaitTimer
	waitMessage  = tokens.WaitMessage
	waitJoin     = tokens.WaitJoin
	waitEvent    = tokens.WaitEvent
	waitIncident = tokens.WaitIncident
	waitMulti    = tokens.WaitMulti
	waitScope    = tokens.WaitScope
)
