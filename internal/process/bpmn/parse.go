package bpmn

import (
	"bytes"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
)

// MaxSize is the largest file Parse reads. Diagrams drawn by hand are a few tens of kilobytes;
// the bound keeps a hostile upload from costing much memory.
const MaxSize = 4 << 20

// Parse reads a BPMN 2.0 file as bpmn.io and Camunda Modeler write it, keeps its executable
// processes in the supported subset, and checks their structure. Every problem found is
// returned at once as one invalid error (errs.List, Field = the id of the element at fault);
// on error the Definitions is nil.
//
// Parse does not type-check expressions: that needs the process's declared variables. Call
// CheckExpressions with a compiler for that.
func Parse(data []byte) (*Definitions, error) {
	if len(data) > MaxSize {
		return nil, errs.New(errs.TooLarge, "the BPMN file is larger than %d bytes", MaxSize)
	}
	root, err := decode(data)
	if err != nil {
		return nil, err
	}
	d := &Definitions{ID: root.id(), Raw: bytes.Clone(data),
		Diagram: Diagram{Shapes: map[string]Shape{}, Edges: map[string]Edge{}}}
	b := &builder{messages: map[string]*node{}, errors: map[string]*node{}}
	b.definitions(d, root)
	if err := b.err(); err != nil {
		return nil, err
	}
	return d, nil
}

// maxProblems bounds the list returned for one file: beyond it, a person has enough to act on,
// and a generated file with thousands of mistakes should not produce megabytes of message.
const maxProblems = 100

func (b *builder) err() error {
	if n := len(b.list); n > maxProblems {
		b.list = append(b.list[:maxProblems:maxProblems], errs.Problem{Field: "bpmn",
			Message: fmt.Sprintf("and %d more problems", n-maxProblems)})
	}
	return b.list.Err()
}

// builder holds what is shared while one file is read: the problems found so far and the
// file's bpmn:message elements that message events refer to.
type builder struct {
	list     errs.List
	messages map[string]*node
	errors   map[string]*node // bpmn:error and bpmn:escalation elements by id
}

func (b *builder) definitions(d *Definitions, root *node) {
	for i := range root.Children {
		if c := &root.Children[i]; c.is(nsBPMN, "message") {
			b.messages[c.id()] = c
		}
		if c := &root.Children[i]; c.is(nsBPMN, "error") || c.is(nsBPMN, "escalation") {
			b.errors[c.id()] = c
		}
	}
	for i := range root.Children {
		c := &root.Children[i]
		switch {
		case c.is(nsBPMN, "process"):
			d.Processes = append(d.Processes, b.process(c))
		case c.is(nsBPMNDI, "BPMNDiagram"):
			b.diagram(&d.Diagram, c)
		}
	}
	// Collaborations, messages, errors, signals, item definitions and the like are not processes
	// and are only used through references from inside one; they are ignored here.
	if d.Main() == nil {
		b.list.Add(fieldOr(d.ID, "definitions"),
			"no executable process: Parley runs only processes marked isExecutable=\"true\" (the \"Executable\" switch in Camunda Modeler)")
	}
}

// process reads one process element. A process marked isExecutable="false" is kept by name
// only: it is documentation (for example another party's pool) and Parley will never run it.
// A process without the attribute is executable, as Camunda 7 treats it.
func (b *builder) process(n *node) *Process {
	p := &Process{ID: n.id(), Name: n.attr("", "name"), Executable: xmlBool(n.attr("", "isExecutable"), true)}
	if !p.Executable {
		return p
	}
	p.Elements = map[string]*Element{}
	p.Flows = map[string]*Flow{}
	pb := &processBuilder{builder: b, p: p, refs: map[*Element]*elementRefs{}, ids: map[string]bool{}, generated: map[string]int{}}
	for i := range n.Children {
		pb.child(&n.Children[i])
	}
	pb.link()
	pb.validate()
	return p
}

// processBuilder reads one executable process. refs keeps the references written on each
// element (default flow, incoming and outgoing children) until every flow is known; ids holds
// the ids in use. current is the id of the element being read, which extension readers name in
// their problems. nested is set while reading the content of a refused container.
type processBuilder struct {
	*builder
	p         *Process
	refs      map[*Element]*elementRefs
	ids       map[string]bool
	generated map[string]int
	current   string
	nested    bool
	// parent is the sub-process whose content is being read; nil at the process level.
	parent *Element
}

type elementRefs struct {
	def      string
	incoming []string
	outgoing []string
}

// ignoredInProcess are process children that only draw or document: lanes, annotations, groups,
// data objects and their associations carry no behaviour Parley could miss.
var ignoredInProcess = map[string]bool{
	"laneSet": true, "textAnnotation": true, "association": true, "group": true,
	"dataObject": true, "dataObjectReference": true, "dataStoreReference": true,
	"documentation": true, "property": true, "ioSpecification": true, "auditing": true,
	"monitoring": true, "category": true,
}

func (pb *processBuilder) child(c *node) {
	switch {
	case c.XMLName.Space == nsBPMN && c.XMLName.Local == "sequenceFlow":
		pb.flow(c)
	case c.XMLName.Space == nsBPMN && ignoredInProcess[c.XMLName.Local]:
	case c.XMLName.Space == nsBPMN && c.XMLName.Local == "extensionElements":
		pb.processExtensions(c)
	default:
		pb.element(c)
	}
}

// addID records an id and reports a duplicate, which would make references ambiguous.
func (pb *processBuilder) addID(id, tag string) bool {
	if pb.ids[id] {
		pb.problem(id, "the id %s is used twice (here on %s)", id, tag)
		return false
	}
	pb.ids[id] = true
	return true
}

// flow reads a sequence flow. Hand-written Camunda 7 files sometimes omit flow ids; one is made
// up from the ends so that the engine can still name the flow.
func (pb *processBuilder) flow(n *node) {
	f := &Flow{ID: n.id(), Name: n.attr("", "name"), Source: n.attr("", "sourceRef"), Target: n.attr("", "targetRef")}
	if f.ID == "" {
		f.ID = pb.generatedFlowID(f)
	}
	if !pb.addID(f.ID, "sequenceFlow") {
		return
	}
	if c := n.child(nsBPMN, "conditionExpression"); c != nil && c.text() != "" {
		pb.condition(f, c)
	}
	pb.p.Flows[f.ID] = f
	pb.p.FlowOrder = append(pb.p.FlowOrder, f)
}

func (pb *processBuilder) generatedFlowID(f *Flow) string {
	base := "flow_" + f.Source + "_" + f.Target
	id := base
	for pb.ids[id] {
		// The counter per base keeps many parallel flows between the same two elements from
		// costing quadratic time.
		pb.generated[base]++
		id = fmt.Sprintf("%s_%d", base, pb.generated[base]+1)
	}
	return id
}

func (pb *processBuilder) condition(f *Flow, c *node) {
	f.ConditionRaw = c.text()
	out, dialect, err := translateLanguage(f.ConditionRaw, c.attr("", "language"))
	if err != nil {
		pb.problem(f.ID, "the condition %q of sequenceFlow (%s) cannot be used: %v", f.ConditionRaw, f.ID, err)
		return
	}
	f.Condition, f.Dialect = out, dialect
}

// link joins flows and elements once the whole process is read, since files list them in any
// order, and checks every reference on the way.
func (pb *processBuilder) link() {
	for _, f := range pb.p.FlowOrder {
		f.From, f.To = pb.p.Elements[f.Source], pb.p.Elements[f.Target]
		if f.From == nil {
			pb.problem(f.ID, "sequenceFlow (%s) starts at %s, which is not an element of process %s", f.ID, quoteID(f.Source), pb.p.ID)
		}
		if f.To == nil {
			pb.problem(f.ID, "sequenceFlow (%s) ends at %s, which is not an element of process %s", f.ID, quoteID(f.Target), pb.p.ID)
		}
		if f.From != nil && f.To != nil {
			f.From.Outgoing = append(f.From.Outgoing, f)
			f.To.Incoming = append(f.To.Incoming, f)
		}
	}
	for _, e := range pb.p.ElementOrder {
		pb.linkRefs(e, pb.refs[e])
		pb.linkBoundary(e)
	}
}

// linkRefs resolves the default attribute and checks the incoming and outgoing children that
// bpmn.io writes against the flows' own source and target, which are what Parley follows.
func (pb *processBuilder) linkRefs(e *Element, r *elementRefs) {
	if r == nil {
		return
	}
	if r.def != "" {
		if f := pb.p.Flows[r.def]; f != nil && f.From == e {
			e.Default = f
		} else {
			pb.problem(e.ID, "the default flow %s of %s (%s) is not one of its outgoing flows", quoteID(r.def), e.Tag, e.ID)
		}
	}
	for _, id := range r.incoming {
		if f := pb.p.Flows[id]; f == nil || f.Target != e.ID {
			pb.problem(e.ID, "%s (%s) lists incoming flow %s, which does not end there", e.Tag, e.ID, quoteID(id))
		}
	}
	for _, id := range r.outgoing {
		if f := pb.p.Flows[id]; f == nil || f.Source != e.ID {
			pb.problem(e.ID, "%s (%s) lists outgoing flow %s, which does not start there", e.Tag, e.ID, quoteID(id))
		}
	}
}

func (pb *processBuilder) linkBoundary(e *Element) {
	if !e.Kind.IsBoundary() {
		return
	}
	host := pb.p.Elements[e.AttachedTo]
	switch {
	case host == nil:
		pb.problem(e.ID, "boundaryEvent (%s) is attached to %s, which is not an element of process %s", e.ID, quoteID(e.AttachedTo), pb.p.ID)
	case host.Kind == kindRefused:
		// The host is already reported; a second problem would only repeat it.
	case host.Kind != KindUserTask && host.Kind != KindServiceTask && host.Kind != KindReceiveTask && host.Kind != KindSubProcess && host.Kind != KindCallActivity:
		pb.problem(e.ID, "boundaryEvent (%s) is attached to %s (%s); boundary events are supported on user, service and receive tasks, sub-processes and call activities only", e.ID, host.Tag, host.ID)
	case e.Kind == KindBoundaryError && host.Kind != KindServiceTask && host.Kind != KindSubProcess && host.Kind != KindCallActivity:
		pb.problem(e.ID, "boundaryEvent (%s) catches errors but is attached to %s (%s); only service tasks, sub-processes and call activities throw errors", e.ID, host.Tag, host.ID)
	case e.Kind == KindBoundaryEscalation && host.Kind != KindSubProcess && host.Kind != KindCallActivity:
		pb.problem(e.ID, "boundaryEvent (%s) catches escalations but is attached to %s (%s); only sub-processes and call activities raise them", e.ID, host.Tag, host.ID)
	default:
		host.Boundaries = append(host.Boundaries, e)
		return
	}
	// A boundary event without a usable host is left out of the later checks, which would only
	// add that it cannot be reached.
	e.Kind = kindRefused
}

// quoteID writes an id for a message, making an empty one visible.
func quoteID(id string) string {
	if id == "" {
		return `""`
	}
	return id
}

func fieldOr(field, fallback string) string {
	if field == "" {
		return fallback
	}
	return field
}
