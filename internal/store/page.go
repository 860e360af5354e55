package store

import "github.com/parleychat/parley/internal/errs"

// Page asks for one page of a list: at most Limit items after Cursor.
type Page struct {
	Limit  int
	Cursor string
}

// The bounds of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Size returns the limit to use, defaulted and bounded.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// Check refuses a negative limit, so a typo is not silently read as the default.
func (p Page) Check() error {
	if p.Limit < 0 {
		return errs.Field("limit", "must be between 1 and %d", MaxLimit)
	}
	return nil
}

// List is one page of results; NextCursor is empty on the last page.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// Cut trims items fetched with LIMIT Size()+1 to one page and sets the next cursor from the
// last kept item's key.
func Cut[T any](items []T, p Page, key func(T) string) List[T] {
	out := List[T]{Items: items}
	if out.Items == nil {
		out.Items = []T{}
	}
	if n := p.Size(); len(items) > n {
		out.Items = items[:n]
		out.NextCursor = key(items[n-1])
	}
	return out
}
