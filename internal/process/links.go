package process

import "github.com/parleychat/parley/internal/process/bpmn"

// linkThrow moves the token to the link catch event of the same name, which Parse paired with
// the throw: a link is a sequence flow drawn in two halves, often to avoid long lines or to
// continue on another part of the page, so the jump costs no wait.
func (r *runner) linkThrow(t *token, el *bpmn.Element) {
	r.record(el, evCompleted, "link "+el.Link+" to "+el.LinkTo.ID)
	r.arrive(t, el.LinkTo, nil)
}
