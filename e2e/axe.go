package e2e

import (
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1 (npm axe-core, MPL-2.0, licence beside it), the accessibility
// rules engine. It is injected through the DevTools protocol, which the page's CSP does not
// govern, so the pages under test need no exception for it.
//
//go:embed testdata/axe-core-4.14.1.min.js
var axeSource string

// axeViolation is one rule a page breaks, as axe-core reports it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// AssertAccessible runs axe-core's WCAG 2.1 A and AA rules on the tab's current page and
// fails the test for every serious or critical violation, naming the elements.
func (tab *Tab) AssertAccessible(what string) {
	tab.t.Helper()
	if !Eval[bool](tab, `typeof window.axe !== "undefined"`) {
		if _, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[any](axeSource+";true")); err != nil {
			tab.t.Fatalf("injecting axe-core on %s: %v", what, err)
		}
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))`
	raw, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.t.Fatalf("running axe-core on %s: %v", what, err)
	}
	var found []axeViolation
	if err := json.Unmarshal([]byte(raw), &found); err != nil {
		tab.t.Fatalf("axe-core answer on %s: %v", what, err)
	}
	for _, v := range found {
		tab.t.Errorf("%s (%s): %s [%s] at %s", what, tab.vp.Name, v.Help, v.ID, strings.Join(v.Nodes, ", "))
	}
}
