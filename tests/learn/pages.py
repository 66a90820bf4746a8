"""Read a rendered page the way the tests need it: elements, ids, headings, sections."""

from dataclasses import dataclass
from html.parser import HTMLParser

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# SVG drawing elements written as <line/> or <path/>: they never hold text.
SELF_CLOSED_SVG = {"line", "rect", "circle", "path"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    inside: tuple[str, ...]  # ids of the elements around it
    text: str = ""


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self._enclosing_ids())
        self.elements.append(element)
        if tag not in VOID_TAGS and tag not in SELF_CLOSED_SVG:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs), self._enclosing_ids()))

    def _enclosing_ids(self) -> tuple[str, ...]:
        return tuple(e.attrs["id"] for e in self._open if e.attrs.get("id"))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def find(self, tag: str, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def ids(self) -> set[str]:
        return {e.attrs["id"] for e in self.elements if e.attrs.get("id")}

    def headings(self) -> list[tuple[int, str]]:
        return [(int(e.tag[1]), " ".join(e.text.split())) for e in self.elements if e.tag in {"h1", "h2", "h3", "h4"}]


def parse(response) -> Page:
    page = Page()
    page.feed(response.content.decode())
    page.close()
    return page


def other_host_asset_urls(page: Page) -> list[str]:
    """Return the URLs of scripts, styles, images and frames the page would load from another host."""
    urls = []
    for element in page.elements:
        names = ["href"] if element.tag == "link" else ["src", "srcset"]
        if element.tag not in {"script", "link", "img", "iframe", "source", "video", "audio", "embed", "object"}:
            continue
        for name in [*names, "data"]:
            value = (element.attrs.get(name) or "").strip().lower()
            if value.startswith(("http:", "https:", "//")):
                urls.append(value)
    return urls
