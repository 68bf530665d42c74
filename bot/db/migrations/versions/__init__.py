"""One module per schema change, applied in order by `bot db upgrade`; never edit a released one."""
