// Package program compiles a published version's BPMN into what runs: every expression of the
// diagram (conditions, script assignments, task inputs and outputs, correlation keys,
// zeebe:ioMapping, multi-instance loops, call activity mappings) becomes an expr-lang program,
// compiled once against the declared variables' types, and the checks that need those types
// are made here, at publish, each problem naming its element.
//
// It depends on bpmn (the model), internal/feel (FEEL expressions run through expr-lang),
// internal/value (the variable types) and expr-lang; it knows nothing of the database,
// instances or tokens. It is a package of its own because it changes when the expression
// language or the checks change, and not when the runtime or the catalog do: the runtime in
// package process only runs the programs a Program hands it, and the catalog only asks
// whether a version compiles.
package program
