"""Screen sizes the portal is tried at, and a click as a person on that screen makes it."""

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1366, "height": 768}


def page_fits(page) -> None:
    """The page does not scroll sideways at the screen's width (once its styles are in)."""
    page.wait_for_load_state("load")
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def tap(locator) -> None:
    """Click a control the way a person on this screen reaches it: the page does not
    scroll sideways, and once scrolled to (down the page, or inside its table's own scroll
    box), the control lies wholly within the screen's width."""
    page = locator.page
    page_fits(page)
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (page.url, box)
    locator.click()
