package value

import (
	"math"
	"reflect"
	"strconv"
	"time"
)

// Native returns v as the Go value an expression sees: string for string, phone, email, user,
// session and item values (the text or the id), int for integer, float64 for number, bool for
// boolean, time.Time in UTC for datetime, Money for money, and nil for a null. Integers are int
// rather than int64 because int is what expr's own literals and arithmetic produce.
func (v Value) Native() any {
	if !v.set {
		return nil
	}
	switch v.t.Kind {
	case KindInteger:
		return int(v.i)
	case KindNumber:
		return v.f
	case KindBoolean:
		return v.b
	case KindDatetime:
		return v.tm
	case KindMoney:
		return v.money()
	case KindFile:
		return v.file()
	case KindFiles:
		return v.fileList()
	case KindList, KindObject:
		return v.structuredNative()
	}
	return v.s
}

// Zero returns the zero value of the Go type Native gives for t, or nil for an invalid type.
// The engine builds the expr environment of a process from these at publish time, so that
// expressions are type-checked against the variables' types before anything runs:
//
//	env[name] = variable.Type.Zero()
func (t Type) Zero() any {
	if !t.valid() {
		return nil
	}
	switch t.Kind {
	case KindInteger:
		return 0
	case KindNumber:
		return 0.0
	case KindBoolean:
		return false
	case KindDatetime:
		return time.Time{}
	case KindMoney:
		return Money{}
	case KindFile:
		return File{}
	case KindFiles:
		return []File{}
	case KindList:
		return []any{}
	case KindObject:
		return map[string]any{}
	}
	return ""
}

// GoType returns the Go type of t's native values, to compare with the type expr infers for an
// expression's result; nil for an invalid type.
func (t Type) GoType() reflect.Type { return reflect.TypeOf(t.Zero()) }

// FromNative turns a Go value, typically an expression's result, into a value of type t; see
// Options.FromNative.
func FromNative(t Type, v any) (Value, error) { return Options{}.FromNative(t, v) }

// FromNative turns a Go value into a value of type t as strictly as Parse reads JSON, with the
// conversions an expression needs: any Go integer fits an integer or number; a float fits an
// integer only when whole, because expr's "/" always gives a float; strings fill the text
// types and are validated like JSON input; Money or a map {"amount","currency"} fills money;
// a Value fills t when Assignable. Errors are *errs.Error with code invalid.
func (o Options) FromNative(t Type, v any) (Value, error) {
	if !t.valid() {
		return Value{}, internal("convert into invalid type %#v", t)
	}
	if x, ok := v.(Value); ok {
		return o.fromValue(t, x)
	}
	if v == nil {
		return o.fromValue(t, Value{})
	}
	switch t.Kind {
	case KindInteger:
		return integerFromNative(t, v)
	case KindNumber:
		return numberFromNative(t, v)
	case KindBoolean, KindDatetime:
		return scalarFromNative(t, v)
	case KindMoney:
		return o.moneyFromNative(t, v)
	case KindFile:
		return fileFromNative(t, v)
	case KindFiles:
		return filesFromNative(t, v)
	case KindList, KindObject:
		return structuredFromNative(t, v)
	}
	return o.textFromNative(t, v)
}

// fromValue accepts a Value of a type that may be assigned to t, and a null when allowed.
func (o Options) fromValue(t Type, x Value) (Value, error) {
	switch {
	case x.IsNull() && o.AllowNull:
		return Null(t), nil
	case x.IsNull():
		return Value{}, mismatch(t, "null", "")
	case !Assignable(x.t, t):
		return Value{}, mismatch(t, describeNative(x), "")
	}
	return x, nil
}

// integerFromNative accepts Go integers within int64 and whole, finite floats within it.
func integerFromNative(t Type, v any) (Value, error) {
	rv := reflect.ValueOf(v)
	switch {
	case rv.CanInt():
		return Value{t: t, set: true, i: rv.Int()}, nil
	case rv.CanUint() && rv.Uint() <= math.MaxInt64:
		return Value{t: t, set: true, i: int64(rv.Uint())}, nil
	case rv.CanUint():
		return Value{}, mismatch(t, describeNative(v), "out of the integer range")
	case !rv.CanFloat():
		return Value{}, mismatch(t, describeNative(v), "")
	}
	f := rv.Float()
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return Value{}, mismatch(t, describeNative(v), "not a finite number")
	case f != math.Trunc(f):
		return Value{}, mismatch(t, describeNative(v), "it has a fraction")
	case f < -0x1p63 || f >= 0x1p63:
		return Value{}, mismatch(t, describeNative(v), "out of the integer range")
	}
	return Value{t: t, set: true, i: int64(f)}, nil
}

// numberFromNative accepts finite floats and the integers a float64 holds exactly, so that a
// number never silently differs from the integer it came from.
func numberFromNative(t Type, v any) (Value, error) {
	rv := reflect.ValueOf(v)
	var f float64
	exact := true
	switch {
	case rv.CanFloat():
		f = rv.Float()
	case rv.CanInt():
		f = float64(rv.Int())
		exact = f < 0x1p63 && int64(f) == rv.Int()
	case rv.CanUint():
		f = float64(rv.Uint())
		exact = f < 0x1p64 && uint64(f) == rv.Uint()
	default:
		return Value{}, mismatch(t, describeNative(v), "")
	}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return Value{}, mismatch(t, describeNative(v), "not a finite number")
	case !exact:
		return Value{}, mismatch(t, describeNative(v), "too large to be held exactly")
	}
	return newNumber(t, f), nil
}

// scalarFromNative accepts a bool for boolean and a time.Time for datetime.
func scalarFromNative(t Type, v any) (Value, error) {
	b, isBool := v.(bool)
	tm, isTime := v.(time.Time)
	switch {
	case t.Kind == KindBoolean && isBool:
		return Value{t: t, set: true, b: b}, nil
	case t.Kind == KindDatetime && isTime:
		val, reason, err := newDatetime(t, tm)
		if reason != "" {
			return Value{}, mismatch(t, describeNative(v), reason)
		}
		return val, err
	}
	return Value{}, mismatch(t, describeNative(v), "")
}

// textFromNative accepts a Go string for the text-shaped types and checks it as Parse would.
func (o Options) textFromNative(t Type, v any) (Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.String {
		return Value{}, mismatch(t, describeNative(v), "")
	}
	val, reason, err := o.fromText(t, rv.String())
	if reason != "" {
		return Value{}, mismatch(t, describeNative(v), reason)
	}
	return val, err
}

// moneyFromNative accepts Money, as Native gives it, or the map an expression literal such as
// {amount: "12.50", currency: "EUR"} makes.
func (o Options) moneyFromNative(t Type, v any) (Value, error) {
	var amount, currency, reason string
	switch x := v.(type) {
	case Money:
		amount, currency = x.Amount, x.Currency
	case map[string]any:
		amount, currency, reason = moneyFromMap(x)
	default:
		return Value{}, mismatch(t, describeNative(v), moneyShape)
	}
	if reason == "" {
		var val Value
		if val, reason = newMoney(t, amount, currency, o.stored); reason == "" {
			return val, nil
		}
	}
	return Value{}, mismatch(t, describeNative(v), reason)
}

// moneyFromMap reads the amount and currency of a map, taking an integer amount as whole units
// and refusing a float one, which could not be exact.
func moneyFromMap(m map[string]any) (amount, currency, reason string) {
	const shape = `write money as {amount: "12.50", currency: "EUR"}`
	currency, ok := m["currency"].(string)
	if len(m) != 2 || !ok {
		return "", "", shape
	}
	switch a := reflect.ValueOf(m["amount"]); {
	case a.Kind() == reflect.String:
		return a.String(), currency, ""
	case a.CanInt():
		return strconv.FormatInt(a.Int(), 10), currency, ""
	case a.CanUint():
		return strconv.FormatUint(a.Uint(), 10), currency, ""
	case a.CanFloat():
		return "", "", `the amount must be a decimal string such as "12.50", not a float`
	}
	return "", "", shape
}
