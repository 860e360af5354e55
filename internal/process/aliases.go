package process

import "github.com/parleychat/parley/internal/process/catalog"

// The catalog's types under the names the rest of Parley knows them by: package process is
// the engine's one door, and callers need not learn where each part of it lives.
type (
	Variable         = catalog.Variable
	Definition       = catalog.Definition
	Draft            = catalog.Draft
	DefinitionFilter = catalog.DefinitionFilter
	Version          = catalog.Version
	Warning          = catalog.Warning
	PublishHook      = catalog.PublishHook
	Published        = catalog.Published
	Checked          = catalog.Checked
	CheckProblem     = catalog.CheckProblem
)
