// Package process is Parley's business-process engine: process definitions with typed
// variables and a BPMN diagram, immutable published versions, durable instances, user tasks,
// jobs, timers, message waits and incidents.
//
// Everything an instance is lives in the database. Starting an instance runs it forward to
// its first wait state inside the caller's transaction; each wait is a row (a task, a job, a
// message subscription) and whatever ends a wait — a person, a worker, a customer's message —
// moves the instance on in one transaction that locks the instance's row first. Workers claim
// due jobs with leases (FOR UPDATE SKIP LOCKED on PostgreSQL), so several nodes share them and
// none fires a job twice.
//
// # Tokens and scopes
//
// Where an instance is, is a set of tokens stored as JSON in the instance row (state.go), so
// that moving them is part of the one write that also stores the variables. A token has an id,
// the element it is at, what it waits for there (task, job, timer, message, join, event,
// incident, scope) and the scope it runs in. Each wait row (a task, a job, a message
// subscription) names the token it belongs to; cancelling a token's waits deletes those rows.
//
// A scope is a running sub-process. Scope 0 is the process itself and is not stored; every
// other scope is stored beside the tokens with its sub-process element, its parent scope and
// its owner: the token that entered the sub-process and waits at it (wait "scope") in the
// parent scope, carrying the sub-process's boundary events. The tokens whose Scope is the
// scope's id run its inner flow, starting at its none start event. When the last of them ends
// the scope completes and the owner leaves the sub-process. Cancelling a scope cancels its
// tokens' waits and its nested scopes, depth first, in the transaction of the event that
// cancels it, so a boundary timer and the last inner task cannot both move the owner on.
//
// An event sub-process runs as a scope too: its start event listens while the scope it is
// drawn in runs (a job or subscription whose token_id is that scope's id, 0 for the process),
// and when it fires a new token, waiting at the event sub-process, owns the new scope. Errors
// and escalations go outward from the thrower's scope: an event sub-process of the scope
// first, then a boundary event on the sub-process, then the parent scope (scope_events.go);
// from a called instance they go on to its call activity (callactivity.go).
// Scopes and tokens take their ids from one counter, so a scope id never names a token.
//
// docs/bpmn.md describes the BPMN subset; this package gives each element its behaviour.
package process
