"""Which query parameters of a story's address only track the reader (``utm_*``, ``fbclid``,
``gclid`` and their kind). Shared by the parser, which drops them from every link it keeps, and
by event identity, which compares addresses. Names only; no parsing happens here.
"""

from __future__ import annotations

_TRACKING_NAMES = """
    fbclid gclid dclid gbraid wbraid msclkid yclid twclid ttclid mc_cid mc_eid igshid igsh
    ref_src ref_url _hsenc _hsmi __hstc __hssc __hsfp hsctatracking mkt_tok oly_anon_id
    oly_enc_id vero_id vero_conv wt.mc_id _ga _gl s_kwcid fb_action_ids fb_action_types
    fb_ref fb_source action_object_map action_type_map action_ref_map spm ncid cmpid
"""
TRACKING_PARAMS = frozenset(_TRACKING_NAMES.split())
TRACKING_PREFIXES = ("utm_",)
