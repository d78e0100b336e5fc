-- meta/viewers: the people the app knows, for the demo "view as" switch and sign-in mapping.
-- grain: one row per app user
-- column email varchar: sign-in email (lower case)
-- column display_name varchar: the person's name when known
-- column role varchar: chief, analyst or director
-- column nonprofit_id integer: a director's organisation; null for agency roles
-- column nonprofit_name varchar: that organisation's name
with

final as (
    select
        app_users.email,
        app_users.display_name,
        app_users.role,
        app_users.nonprofit_id,
        nonprofits.name as nonprofit_name,
    from app_users
    left join nonprofits using (nonprofit_id)
    order by
        case app_users.role when 'chief' then 1 when 'analyst' then 2 else 3 end,
        nonprofits.name,
        app_users.email
)

select * from final
