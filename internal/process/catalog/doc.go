// Package catalog keeps the processes an administrator defines: drafts, which may be saved
// half-drawn; publish, which checks a draft whole (the diagram, its expressions, the users,
// groups, apps and fields it names) and freezes it as the next immutable version; the read-only
// check that reports what a publish would; unpublish; and the versions themselves, parsed and
// compiled once and cached for as long as the process runs, since a version never changes.
// Publish and unpublish hooks let other parts (the engine's start events, automation's
// bindings) act and warn inside the same transaction.
//
// It depends on program (compiling a version), bpmn (the model), store, auth (the audit and
// the users and groups a diagram names) and value. It knows nothing of instances: it changes
// when what an administrator edits or what publish checks changes, not when the runtime does,
// which is why it is apart from package process, whose Service embeds a Catalog so that its
// methods stay the engine's public API.
package catalog
