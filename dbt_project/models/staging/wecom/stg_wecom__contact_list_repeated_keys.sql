{#-
    The contact-list keys (snapshot_date, external_userid, guide_userid) landed more than once,
    as hashes: the view `stg_wecom__contacts` is read twice by the spans model, and counting its
    46M keys to find the repeated ones is most of each read (7 s at 1M customers). Counted once here.
-#}

{{ repeated_key_hashes(
    source('wecom', 'contacts'),
    ['snapshot_date', 'external_userid', 'guide_userid'],
) }}
