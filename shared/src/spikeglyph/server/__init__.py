"""What both services' web apps share, and the only part of ``spikeglyph`` that knows FastAPI
and Starlette (the ``server`` extra): the uniform error answers (:mod:`.errors`), the streaming
body-size limit (:mod:`.body_limit`), the request-id bookkeeping (:mod:`.request_context`) and
the post-start heap freeze (:mod:`.heap`). The core, the client and the CLI never import it.
"""
