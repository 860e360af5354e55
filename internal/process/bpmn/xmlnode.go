package bpmn

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/parleychat/parley/internal/errs"
)

// The namespaces Parse reads. encoding/xml resolves prefixes, so bpmn:, bpmn2: and an unprefixed
// default namespace all arrive as the same namespace URL.
const (
	nsBPMN          = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	nsBPMNDI        = "http://www.omg.org/spec/BPMN/20100524/DI"
	nsDC            = "http://www.omg.org/spec/DD/20100524/DC"
	nsDI            = "http://www.omg.org/spec/DD/20100524/DI"
	nsZeebe         = "http://camunda.org/schema/zeebe/1.0"
	nsCamunda       = "http://camunda.org/schema/1.0/bpmn"
	nsCamundaLegacy = "http://camunda.org/bpmn"
)

// node is any XML element. Parse decodes the whole file into nodes first and interprets them
// afterwards, so that an element Parley does not know is seen and refused by name instead of
// being dropped silently by a fixed struct.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

// decode reads data into a tree and checks that its root is a BPMN definitions element.
func decode(data []byte) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var root node
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		return nil, errs.Field("bpmn", "the file is not well-formed XML: %v", err)
	}
	if !root.is(nsBPMN, "definitions") {
		return nil, errs.Field("bpmn", "the file is not BPMN 2.0: its root element is %s, not definitions in namespace %s",
			root.XMLName.Local, nsBPMN)
	}
	return &root, nil
}

func (n *node) is(space, local string) bool {
	return n.XMLName.Space == space && n.XMLName.Local == local
}

// attr returns an attribute's value; space is "" for unprefixed attributes such as id.
func (n *node) attr(space, local string) string {
	for _, a := range n.Attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// hasAttr reports whether an attribute is written at all, which differs from an empty value for
// flags whose default matters (isExecutable, cancelActivity).
func (n *node) hasAttr(space, local string) bool {
	for _, a := range n.Attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return true
		}
	}
	return false
}

func (n *node) id() string { return strings.TrimSpace(n.attr("", "id")) }

// child returns the first child with the name, or nil.
func (n *node) child(space, local string) *node {
	for i := range n.Children {
		if n.Children[i].is(space, local) {
			return &n.Children[i]
		}
	}
	return nil
}

// tag names an element for messages: the bare name for BPMN, prefixed for known extensions.
func (n *node) tag() string {
	switch n.XMLName.Space {
	case nsBPMN, "":
		return n.XMLName.Local
	case nsZeebe:
		return "zeebe:" + n.XMLName.Local
	case nsCamunda, nsCamundaLegacy:
		return "camunda:" + n.XMLName.Local
	case Namespace:
		return "parley:" + n.XMLName.Local
	}
	return "{" + n.XMLName.Space + "}" + n.XMLName.Local
}

// text returns the element's character data without surrounding white space.
func (n *node) text() string { return strings.TrimSpace(n.Text) }

// xmlBool reads an xsd:boolean, returning def when the value is absent.
func xmlBool(v string, def bool) bool {
	switch strings.TrimSpace(v) {
	case "true", "1":
		return true
	case "false", "0":
		return false
	}
	return def
}
