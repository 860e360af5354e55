package bpmn

import (
	"math"
	"strconv"
)

// Diagram is the drawing of a file (BPMN DI), keyed by the id of the BPMN element drawn, so that
// the web UI can render an SVG and colour elements by their state.
type Diagram struct {
	Shapes map[string]Shape
	Edges  map[string]Edge
}

// Bounds is a rectangle in diagram coordinates.
type Bounds struct {
	X, Y, Width, Height float64
}

// Point is one waypoint of an edge.
type Point struct {
	X, Y float64
}

// Shape draws a flow node, a pool, a lane or an annotation.
type Shape struct {
	ID      string
	Element string
	Bounds  Bounds
	// Label is where the element's name is drawn when it is outside the shape (events,
	// gateways); nil when the modeler left it to the renderer.
	Label *Bounds
	// Expanded and Horizontal are drawing flags of subprocesses and pools; MarkerVisible says
	// whether an exclusive gateway shows its X.
	Expanded, Horizontal, MarkerVisible bool
}

// Edge draws a sequence flow, a message flow or an association.
type Edge struct {
	ID        string
	Element   string
	Waypoints []Point
	Label     *Bounds
}

// diagram reads every plane of a BPMNDiagram. Collaborations and subprocess drill-downs have a
// plane each; their shapes share one map since the ids they draw are unique in the file.
func (b *builder) diagram(d *Diagram, n *node) {
	for i := range n.Children {
		plane := &n.Children[i]
		if !plane.is(nsBPMNDI, "BPMNPlane") {
			continue
		}
		for j := range plane.Children {
			c := &plane.Children[j]
			switch {
			case c.is(nsBPMNDI, "BPMNShape") && c.attr("", "bpmnElement") != "":
				d.Shapes[c.attr("", "bpmnElement")] = b.shape(c)
			case c.is(nsBPMNDI, "BPMNEdge") && c.attr("", "bpmnElement") != "":
				d.Edges[c.attr("", "bpmnElement")] = b.edge(c)
			}
		}
	}
}

func (b *builder) shape(n *node) Shape {
	s := Shape{ID: n.id(), Element: n.attr("", "bpmnElement"),
		Expanded:      xmlBool(n.attr("", "isExpanded"), false),
		Horizontal:    xmlBool(n.attr("", "isHorizontal"), false),
		MarkerVisible: xmlBool(n.attr("", "isMarkerVisible"), false)}
	if c := n.child(nsDC, "Bounds"); c != nil {
		s.Bounds = b.bounds(c, s.ID)
	}
	s.Label = b.label(n, s.ID)
	return s
}

func (b *builder) edge(n *node) Edge {
	e := Edge{ID: n.id(), Element: n.attr("", "bpmnElement")}
	for i := range n.Children {
		if c := &n.Children[i]; c.is(nsDI, "waypoint") {
			e.Waypoints = append(e.Waypoints, Point{X: b.coordinate(c, "x", e.ID), Y: b.coordinate(c, "y", e.ID)})
		}
	}
	e.Label = b.label(n, e.ID)
	return e
}

func (b *builder) label(n *node, id string) *Bounds {
	l := n.child(nsBPMNDI, "BPMNLabel")
	if l == nil {
		return nil
	}
	c := l.child(nsDC, "Bounds")
	if c == nil {
		return nil
	}
	bounds := b.bounds(c, id)
	return &bounds
}

func (b *builder) bounds(n *node, id string) Bounds {
	return Bounds{X: b.coordinate(n, "x", id), Y: b.coordinate(n, "y", id),
		Width: b.coordinate(n, "width", id), Height: b.coordinate(n, "height", id)}
}

// coordinate reads one number of the drawing. A broken number means a broken file (no modeler
// writes one), so it is reported rather than drawn at zero.
func (b *builder) coordinate(n *node, attr, id string) float64 {
	v, err := strconv.ParseFloat(n.attr("", attr), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		b.list.Add(fieldOr(id, "BPMNDiagram"), "the diagram element %s has %s=%q, which is not a number", quoteID(id), attr, n.attr("", attr))
		return 0
	}
	return v
}
