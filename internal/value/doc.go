// Package value is Parley's type system: the one place that says what a process variable, a
// live-chat property or an app field of some type may hold, how it is read from JSON, how it is
// stored, and what an expression sees.
//
// The types are written as in DOMAIN.md: string, integer, number, boolean, datetime, money,
// phone, email, user, session, file, files, list, object and item:<workspace>/<app>. A [Type] is parsed from that
// text with [ParseType] and marshals back to it.
//
// A [Value] is a typed value in canonical form, so that two equal values always encode to the
// same bytes:
//
//	string    a JSON string of at most 1 MiB
//	integer   a JSON number without fraction or exponent that fits in int64
//	number    a JSON number (float64, always finite)
//	boolean   true or false
//	datetime  an RFC 3339 string, kept in UTC
//	money     {"amount":"12.50","currency":"EUR"}: a decimal amount with at most 4 fraction
//	          digits, never a float, and a current ISO 4217 currency code
//	phone     a string normalised to E.164 ("+79991234567")
//	email     a bare address with a lower-cased domain ("Ann@example.com")
//	user, session, item:<workspace>/<app>
//	          the id of the record the value links to, a non-empty string
//	list      a JSON array of any JSON values, at most 1 MiB and 32 levels deep
//	object    a JSON object of any JSON values, within the same bounds; both are kept
//	          with sorted keys and canonical numbers, and expressions see []any and
//	          map[string]any with whole numbers as int
//
// Types are strict: a JSON string holding "12" is not an integer, and a value of one type is
// never converted into another. [Assignable] holds the single rule for mappings: only the same
// type maps.
//
// JSON null is not a value of any type. [Parse] refuses it, because a wrong null entering a
// process context is as much a mistake as a wrong type; callers for whom null means "absent"
// (optional variables, stored empty fields) set [Options.AllowNull] and get a typed null Value
// that reports [Value.IsNull], or test the input with [IsNull] first.
//
// Every error caused by input is an *errs.Error with code invalid whose message names what was
// expected and what was given, such as `expected integer, got string "12"`; [ParseField] and
// [InField] prefix it with the name of the variable or field.
//
// The package imports no other Parley package except errs: whether a user, session or item
// exists is asked of a [Resolver] that the caller supplies to [CheckRefs].
package value
