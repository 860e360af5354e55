package bpmn

import "strings"

// Loop is an activity's multi-instance marker: the activity runs once per element of a list
// (InputCollection) or a number of times (Cardinality), one after another when Sequential,
// else all at once. Expressions are expr-lang, translated from FEEL or JUEL like any other.
type Loop struct {
	Sequential bool
	// InputCollection gives the list; InputElement names the token-local variable each inner
	// instance sees its element in. Exactly one of InputCollection and Cardinality is set.
	InputCollection, InputCollectionRaw string
	InputElement                        string
	// Cardinality gives the number of inner instances when there is no collection.
	Cardinality, CardinalityRaw string
	// OutputCollection names the list variable that receives, in the order of the input, the
	// value of OutputElement evaluated as each inner instance completes.
	OutputCollection                string
	OutputElement, OutputElementRaw string
	// CompletionCondition, when true after an inner instance completes, cancels the others
	// and completes the activity.
	CompletionCondition, CompletionConditionRaw string
}

// The names inner instances see besides the process variables: the 1-based number of the
// inner instance, and the counters a completion condition reads.
const (
	LoopCounter                = "loopCounter"
	NumberOfInstances          = "numberOfInstances"
	NumberOfCompletedInstances = "numberOfCompletedInstances"
	NumberOfActiveInstances    = "numberOfActiveInstances"
)

// loopable are the kinds an engine runs as multi-instance. Other activities with the marker
// stay refused by name.
var loopable = map[Kind]bool{KindTask: true, KindUserTask: true, KindServiceTask: true, KindScriptTask: true,
	KindReceiveTask: true, KindSubProcess: true, KindCallActivity: true}

// loop reads multiInstanceLoopCharacteristics: isSequential, loopCardinality,
// completionCondition, and the collection settings of zeebe:loopCharacteristics or
// parley:loop (same attributes) or Camunda 7's camunda:collection / camunda:elementVariable.
func (pb *processBuilder) loop(n *node, e *Element) {
	l := &Loop{Sequential: xmlBool(n.attr("", "isSequential"), false)}
	e.Loop = l
	if c := n.child(nsBPMN, "loopCardinality"); c != nil {
		l.CardinalityRaw = c.text()
		l.Cardinality = pb.expression(l.CardinalityRaw, "the loopCardinality")
	}
	if c := n.child(nsBPMN, "completionCondition"); c != nil {
		l.CompletionConditionRaw = c.text()
		l.CompletionCondition = pb.expression(l.CompletionConditionRaw, "the completionCondition")
	}
	if coll := camundaAttr(n, "collection"); coll != "" {
		l.InputCollectionRaw, l.InputElement = coll, camundaAttr(n, "elementVariable")
		l.InputCollection = pb.expression(coll, "the camunda:collection")
	}
	read := func(x *node) { pb.loopCollection(x, l) }
	pb.extensions(n, e, extHandlers{"zeebe:loopCharacteristics": read, "parley:loop": read})
	switch {
	case l.InputCollection == "" && l.Cardinality == "":
		pb.problem(e.ID, "the multi-instance %s (%s) needs an input collection (zeebe:loopCharacteristics or parley:loop inputCollection) or a loopCardinality", e.Tag, e.ID)
	case l.InputCollection != "" && l.Cardinality != "":
		pb.problem(e.ID, "the multi-instance %s (%s) has both an input collection and a loopCardinality; keep one", e.Tag, e.ID)
	}
	if l.InputElement != "" && !isIdentifier(l.InputElement) {
		pb.problem(e.ID, "the inputElement %q of %s must be a name (letters, digits and _)", l.InputElement, e.ID)
	}
	if l.OutputElement != "" && l.OutputCollection == "" {
		pb.problem(e.ID, "the multi-instance %s (%s) has an outputElement but no outputCollection to collect it in", e.Tag, e.ID)
	}
}

// loopCollection reads the attributes of zeebe:loopCharacteristics or parley:loop.
func (pb *processBuilder) loopCollection(x *node, l *Loop) {
	if s := strings.TrimSpace(x.attr("", "inputCollection")); s != "" {
		l.InputCollectionRaw = s
		l.InputCollection = pb.expression(s, "the inputCollection")
	}
	if s := strings.TrimSpace(x.attr("", "inputElement")); s != "" {
		l.InputElement = s
	}
	if x.attr("", "outputCollection") != "" {
		l.OutputCollection = pb.variableAttr(x, "outputCollection", x.tag())
	}
	if s := strings.TrimSpace(x.attr("", "outputElement")); s != "" {
		l.OutputElementRaw = s
		l.OutputElement = pb.expression(s, "the outputElement")
	}
}
