// Package feel parses and evaluates FEEL, the expression language of DMN 1.3 (§10), as Zeebe
// models write it in conditions and mappings.
//
// An expression is parsed once (Parse) and evaluated any number of times over a map of
// variables (Expr.Eval). Evaluation follows FEEL rather than Go: numbers are decimals (kept as
// float64, rounded to 15 significant digits after each operation), positions count from 1,
// comparisons with null give null, and and/or follow FEEL's three-valued truth tables. A
// failure inside an expression (a wrong type, a missing variable) gives null, as FEEL says;
// only the limits of one evaluation (steps, list and string sizes) give an error.
package feel
