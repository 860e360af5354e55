// Package bpmn reads BPMN 2.0 files as bpmn.io and Camunda Modeler write them into a process
// model that Parley's engine walks, and refuses, naming each element, everything outside the
// subset the engine runs.
//
// Parse is the entry point: it decodes the XML (prefixed or default namespace), keeps the raw
// bytes and the drawing (DI), reads task configuration from Parley's own extension elements
// (namespace Namespace) and from the Zeebe and Camunda 7 equivalents that mean the same thing,
// translates conditions written in FEEL or JUEL into expr-lang, and checks the structure of each
// executable process. All problems come back at once, each naming the id at fault.
//
// The model is a graph: Process.Start is where an instance begins; each Element lists its
// Incoming and Outgoing flows, and each Flow points at its From and To elements. The package
// does no I/O and keeps no state; the engine decides what each kind does at run time, and
// type-checks expressions through Process.CheckExpressions. docs/bpmn.md describes the subset.
package bpmn
