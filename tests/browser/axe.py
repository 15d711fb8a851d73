"""axe-core (vendored from the npm registry, for the tests only) on the page as shown."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
# WCAG 2.2 A and AA, every impact.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[str]:
    """Each violation with the elements it names; [] when the page passes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            // Violations only: collecting every passing node doubles the time of a run.
            const found = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return found.violations.map(
                (v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")
            );
        }""",
        TAGS,
    )
