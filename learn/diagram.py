"""The authorization-code flow as data, laid out for the inline SVG sequence diagram.

The template (templates/learn/_flow_diagram.html) only draws what this computes, so the
steps, their order and the geometry live in one place.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

WIDTH = 880
TOP = 16  # participant boxes
BOX_WIDTH, BOX_HEIGHT = 150, 50
FIRST_STEP_Y = 112
STEP_GAP = 50
NUMBER_X = 30  # the numbered rail left of the first lifeline


@dataclass(frozen=True)
class Participant:
    key: str
    name: Promise
    host: str
    x: int

    @property
    def box_x(self) -> int:
        return self.x - BOX_WIDTH // 2


@dataclass(frozen=True)
class Step:
    number: int
    y: int
    x1: int
    x2: int
    label: str  # what goes over the wire: not translated
    caption: Promise  # why, in a few words
    reply: bool  # an answer (dashed) rather than a request

    @property
    def is_note(self) -> bool:
        """A step inside one participant (no arrow): drawn as a note beside its lifeline."""
        return self.x1 == self.x2

    @property
    def middle(self) -> int:
        return (self.x1 + self.x2) // 2

    @property
    def note_x(self) -> int:
        return self.x1 + 10


PARTICIPANTS = [
    Participant("browser", _("Browser"), "", 100),
    Participant("blog", _("Blog server"), "Django", 340),
    Participant("kauth", _("Kakao auth server"), "kauth.kakao.com", 600),
    Participant("kapi", _("Kakao API"), "kapi.kakao.com", 795),
]

# (from, to, label on the wire, caption, is a reply)
FLOW = [
    ("browser", "blog", "GET /accounts/kakao/login/", _("“Log in with Kakao”"), False),
    ("blog", "blog", _("state + code_verifier → session"), _("new random values for every login"), False),
    ("blog", "browser", "302 kauth/oauth/authorize", _("state, code_challenge (S256)"), True),
    ("browser", "kauth", "GET /oauth/authorize?…", _("the user logs in at Kakao and agrees"), False),
    ("kauth", "browser", "302 /accounts/kakao/callback/", _("?code=…&state=…"), True),
    ("browser", "blog", "GET /accounts/kakao/callback/", _("code and state come back"), False),
    ("blog", "blog", _("check and use up state"), _("wrong or replayed: 400, stop here"), False),
    ("blog", "kauth", "POST /oauth/token", _("code + code_verifier + client_secret"), False),
    ("kauth", "blog", "200 Kakao access_token", _("Kakao's token stays on our server"), True),
    ("blog", "kapi", "GET /v2/user/me", _("Authorization: Bearer (Kakao's token)"), False),
    ("kapi", "blog", "200 {id, nickname, email}", _("who the user is at Kakao"), True),
    ("blog", "blog", _("find or create user, sign JWT"), _("RS256 with the blog's private key"), False),
    ("blog", "browser", "302 next + Set-Cookie", _("our access and refresh tokens, HttpOnly"), True),
    ("browser", "blog", _("later requests carry our JWT"), _("any server checks it with the public key"), False),
]


def flow_diagram() -> dict:
    """Return the participants, steps and size of the sequence diagram."""
    x = {participant.key: participant.x for participant in PARTICIPANTS}
    steps = [
        Step(number, FIRST_STEP_Y + (number - 1) * STEP_GAP, x[source], x[target], label, caption, reply)
        for number, (source, target, label, caption, reply) in enumerate(FLOW, start=1)
    ]
    lifeline_bottom = steps[-1].y + STEP_GAP // 2
    return {
        "width": WIDTH,
        "height": lifeline_bottom + 16,
        "box_top": TOP,
        "box_width": BOX_WIDTH,
        "box_height": BOX_HEIGHT,
        "lifeline_top": TOP + BOX_HEIGHT,
        "lifeline_bottom": lifeline_bottom,
        "number_x": NUMBER_X,
        "participants": PARTICIPANTS,
        "steps": steps,
    }
