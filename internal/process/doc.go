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
// Where an instance is, is a set of tokens and running scopes stored as JSON in the instance
// row; package tokens holds that data and its package comment explains the model, which this
// package's runner gives its behaviour: entering and completing scopes (subprocess.go),
// errors and escalations going outward (scope_events.go), the variables each token sees
// (vars_scope.go).
//
// # Packages
//
// Compiling a version's expressions is package program; definitions, publish and versions are
// package catalog, which Service embeds; the diagram model is package bpmn. How the waits (jobs,
// timers, message subscriptions, kept messages) are stored, claimed, leased and found due is
// package waits. This package is the runner: what each element does, what happens when a wait
// fires, and the worker loop that fires them.
//
// docs/bpmn.md describes the BPMN subset; this package gives each element its behaviour.
package process
