# The walkthrough scripts/run plays once the suite is up: a demo portal set up through crmsync's
# public APIs (build/bin/crmsyncctl with the admin token) and zoho-sim's control API standing in
# for what people do in Zoho's web UIs, then one function per step, each printing what the person
# did, what crmsync did and what is seen now, and recording (step, expected, seen) for the
# summary. Every wait polls its condition with a bound; nothing waits on a bare sleep.
# Sourced by scripts/run once it has set ROOT, BUILD_DIR, RUN_DIR, BASE, SIM_PORT, WEBHOOK_URL and
# ADMIN_TOKEN; play_demo runs it all.

SIM=http://127.0.0.1:$SIM_PORT
PORTAL_FILE=$RUN_DIR/demo-portal.json
WAIT_SECONDS=30 # the bound of each wait
CLIENT_ID=1000.DEMOSELFCLIENT
ADMIN=admin@acme.example
GEORGE=george@acme.example
LINDA=linda@acme.example
STEPS=()    # "step|expected|seen|ok" rows of the summary
FAILED=0

# ---- helpers -----------------------------------------------------------------------------

# zoho-sim's control API: sim_get PATH, sim_post PATH JSON; the answer's JSON on stdout.
sim_get() { curl -fsS "$SIM$1"; }
sim_post() { curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "$SIM$1"; }

# crmsyncctl with the admin token, every service at its demo address.
ctl() {
  CRMSYNC_CALLER_TOKEN=$ADMIN_TOKEN "$BUILD_DIR/bin/crmsyncctl" \
    --auth_address="127.0.0.1:$((BASE + 1))" --mapping_address="127.0.0.1:$((BASE + 2))" \
    --sync_address="127.0.0.1:$((BASE + 3))" --notify_address="127.0.0.1:$((BASE + 4))" "$@"
}

# Polls `command...` until it succeeds, for at most WAIT_SECONDS; its status.
wait_until() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2 # the poll's interval, bounded by the deadline above
  done
}

# The value of jq filter $2 on the sim's answer to GET $1.
sim_value() { sim_get "$1" | jq -r "$2"; }
crm_task() { sim_value "/_sim/crm/Tasks/$1" "$2"; }
projects_task() { sim_value "/_sim/projects/portals/$PORTAL/tasks/$1" "$2"; }
# Whether the jq filter $2 on GET $1 equals $3.
sim_is() { [[ $(sim_value "$1" "$2") == "$3" ]]; }
crm_is() { sim_is "/_sim/crm/Tasks/$1" "$2" "$3"; }
projects_is() { sim_is "/_sim/projects/portals/$PORTAL/tasks/$1" "$2" "$3"; }

# The emails in .run/mail addressed to $1.
mails_to() { grep -l "^X-Envelope-To: $1" "$RUN_DIR"/mail/*.eml 2>/dev/null | wc -l; }
has_mails() { (($(mails_to "$1") >= $2)); }
# The subject of the newest email to $1.
last_subject() {
  grep -l "^X-Envelope-To: $1" "$RUN_DIR"/mail/*.eml 2>/dev/null | xargs -r ls -t | head -1 |
    xargs -r grep -m1 '^Subject:' | sed 's/^Subject: //'
}

# sync's state of the Projects task $1 as JSON (crmsyncctl task state).
task_state() {
  ctl --output=json task state --portal_id="$PORTAL" --task.side=projects --task.task_id="$1"
}
# Whether sync has no write for the Projects task $1 queued any more.
settled() { [[ $(task_state "$1" | jq '.state.pending // [] | length') == 0 ]]; }

# A person's edit in Zoho's UIs (zoho-sim fires the webhook or watch callback it would).
# CRM's Modified_Time has whole seconds and the later edit wins: the sim's clock moves a second
# ahead before each CRM edit so that it is later than the last change it follows.
edit_in_projects() { # task email fields-json
  sim_post "/_sim/projects/portals/$PORTAL/tasks/$1/edit" \
    "{\"user_email\":\"$2\",\"fields\":$3}" >/dev/null
}
edit_in_crm() { # task email fields-json
  sim_post /_sim/clock/advance '{"seconds":1}' >/dev/null
  sim_post "/_sim/crm/Tasks/$1/edit" "{\"user_email\":\"$2\",\"fields\":$3}" >/dev/null
}

# Walkthrough output: a heading per step, then what the person did, what crmsync did, what is seen.
heading() {
  if [[ -t 1 ]]; then printf '\n\033[1m%s\033[0m\n' "$*"; else printf '\n%s\n' "$*"; fi
}
did() { printf '  person:  %s\n' "$*"; }
crmsync_did() { printf '  crmsync: %s\n' "$*"; }
seen() { printf '  seen:    %s\n' "$*"; }

# Records a summary row: step, expected, seen, and whether `check...` holds now.
record() { # step expected seen check...
  local step=$1 expected=$2 observed=$3 ok=yes
  shift 3
  if ! "$@" >/dev/null 2>&1; then
    ok=NO
    FAILED=$((FAILED + 1))
  fi
  STEPS+=("$step|$expected|$observed|$ok")
  printf '  %s %s\n' "$([[ $ok == yes ]] && echo ✔ || echo ✘)" "$step: $observed"
}

# ---- set-up: what exists in Zoho, then crmsync connected to it --------------------------------

setup_zoho() {
  heading "Set-up 1/4. Zoho as the company has it (zoho-sim's control API plays its admins)"
  sim_post /_sim/oauth/clients "{\"client_id\":\"$CLIENT_ID\",\"client_secret\":\"demo-secret\"}" \
    >/dev/null
  local portal
  portal=$(sim_post /_sim/projects/portals '{"name":"Acme"}')
  PORTAL=$(jq -r .id_string <<<"$portal")
  STATUS_CLOSED=$(jq -r '.task_statuses[] | select(.name == "Closed") | .id | tostring' <<<"$portal")
  local p=/_sim/projects/portals/$PORTAL person name email
  declare -gA PROJECTS_USER CRM_USER
  for person in "Ada Admin:$ADMIN" "George Miller:$GEORGE" "Linda Smith:$LINDA"; do
    name=${person%%:*} email=${person#*:}
    CRM_USER[$email]=$(sim_post /_sim/crm/users "{\"email\":\"$email\",\"full_name\":\"$name\"}" |
      jq -r '.id | tostring')
    PROJECTS_USER[$email]=$(sim_post "$p/users" "{\"name\":\"$name\",\"email\":\"$email\"}" |
      jq -r '.id | tostring')
  done
  local acme globex
  acme=$(sim_post "$p/clients" '{"name":"Acme Corp"}' | jq -r .id_string)
  globex=$(sim_post "$p/clients" '{"name":"Globex"}' | jq -r .id_string)
  sim_post "$p/clients" '{"name":"Initech"}' >/dev/null
  ACME_ACCOUNT=$(sim_post /_sim/crm/Accounts '{"Account_Name":"ACME Corp"}' | jq -r .id)
  GLOBEX_ACCOUNT=$(sim_post /_sim/crm/Accounts '{"Account_Name":"Globex"}' | jq -r .id)
  sim_post /_sim/crm/Accounts '{"Account_Name":"Initech"}' >/dev/null
  sim_post /_sim/crm/Accounts '{"Account_Name":"INITECH"}' >/dev/null
  did "CRM has users Ada Admin, George Miller, Linda Smith and accounts ACME Corp, Globex, Initech, INITECH"
  did "Projects portal Acme ($PORTAL) has the same people and client companies Acme Corp, Globex, Initech"

  MIGRATION=$(sim_post "$p/projects" "{\"name\":\"Data Migration\",\"strict\":true,\
\"start_date\":\"06-01-2025\",\"end_date\":\"06-30-2025\",\"client_id\":\"$acme\"}" |
    jq -r .id_string)
  MIGRATE_TASK=$(new_task "$MIGRATION" "{\"name\":\"Migrate data\",\"description\":\"Move the \
ledgers\",\"end_date\":\"06-20-2025\",\"priority\":\"medium\",\"person_responsible\":\"${PROJECTS_USER[$GEORGE]}\"}")
  did "project Data Migration (client Acme Corp), strict, 2025-06-01 → 2025-06-30:" \
    "task \"Migrate data\" due 2025-06-20, owned by George"

  RELAUNCH=$(sim_post "$p/projects" "{\"name\":\"Website Relaunch\",\"client_id\":\"$globex\"}" |
    jq -r .id_string)
  LAUNCH_TASK=$(new_task "$RELAUNCH" '{"name":"Launch the site"}')
  LINKS_TASK=$(new_task "$RELAUNCH" "{\"name\":\"Check the links\",\
\"person_responsible\":\"${PROJECTS_USER[$LINDA]}\"}" "$LAUNCH_TASK")
  edit_in_projects "$LINKS_TASK" "$LINDA" "{\"custom_status\":\"$STATUS_CLOSED\"}"
  edit_in_projects "$LAUNCH_TASK" "$ADMIN" "{\"custom_status\":\"$STATUS_CLOSED\"}"
  did "project Website Relaunch (client Globex): task \"Launch the site\", closed, with" \
    "subtask \"Check the links\" owned by Linda, closed"
  record "Zoho set up" "a portal, 2 projects, 3 tasks" "portal $PORTAL, tasks made" \
    test -n "$PORTAL" -a -n "$MIGRATE_TASK" -a -n "$LAUNCH_TASK" -a -n "$LINKS_TASK"
}

# Creates a task in project $1 with form fields $2 (as the admin, under parent $3 if given).
new_task() {
  local parent=${3:+,\"parent_task_id\":\"$3\"}
  sim_post "/_sim/projects/portals/$PORTAL/projects/$1/tasks" \
    "{\"user_email\":\"$ADMIN\",\"fields\":$2$parent}" | jq -r '.tasks[0].id_string'
}

setup_grants() {
  heading "Set-up 2/4. The admin connects crmsync to both Zoho sides (crmsyncctl, admin token)"
  local side scopes code
  for side in crm projects; do
    if [[ $side == crm ]]; then
      scopes=ZohoCRM.modules.tasks.ALL,ZohoCRM.modules.tasks.READ,ZohoCRM.modules.notes.ALL
      scopes+=,ZohoCRM.modules.accounts.READ,ZohoCRM.modules.deals.READ,ZohoCRM.users.READ
      scopes+=,ZohoCRM.modules.notes.READ,ZohoCRM.notifications.ALL
    else
      scopes=ZohoProjects.clients.READ,ZohoProjects.projects.READ,ZohoProjects.users.READ
      scopes+=,ZohoProjects.tasks.READ,ZohoProjects.tasks.ALL
    fi
    # A self-client grant code, as Zoho's API console hands it to the admin; crmsyncctl trades it
    # for the refresh token at the accounts server, so the admin never handles that token.
    code=$(sim_post /_sim/oauth/grant_codes "{\"client_id\":\"$CLIENT_ID\",\"user_email\":\"$ADMIN\",\
\"scopes\":$(jq -Rc 'split(",")' <<<"$scopes")}" | jq -r .code)
    CRMSYNC_CLIENT_SECRET=demo-secret CRMSYNC_GRANT_CODE=$code ctl grant register \
      --portal_id="$PORTAL" --side="$side" --accounts_server_url="$SIM" \
      --client_id="$CLIENT_ID" --owner_email="$ADMIN" >/dev/null
  done
  did "crmsyncctl grant register --side=crm … and --side=projects …, each with a grant code (secrets from the environment)"
  record "grants for both sides" "two ACTIVE grants" \
    "$(ctl --output=json grant list | jq -r '[.grants[] | .state] | join(", ")')" \
    grants_active

  jq -n --arg id "$PORTAL" '{portal_id: $id, name: "Acme", crm_org_id: "20050"}' \
    >"$PORTAL_FILE"
  ctl portal upsert --file="$PORTAL_FILE" >/dev/null
  did "crmsyncctl portal upsert --file=${PORTAL_FILE#"$ROOT"/} (portal $PORTAL, no policy: the default)"
  seen "rejection policy $(portal_policy)"

  # Projects' webhooks to sync's receiver, with a secret sync issued once for the admin to paste.
  local secret
  secret=$(ctl --output=json webhook secret --portal_id="$PORTAL" --side=projects | jq -r .secret)
  sim_post "/_sim/projects/portals/$PORTAL/webhook" "{\"url\":\"$WEBHOOK_URL/webhooks/projects\",\
\"secret_param\":\"crmsync_secret\",\"secret\":\"$secret\"}" >/dev/null
  did "crmsyncctl webhook secret --side=projects, pasted into the portal's task webhook"
  ctl webhook watch-crm --portal_id="$PORTAL" >/dev/null
  crmsync_did "webhook watch-crm: sync registers a CRM watch channel on Tasks with CRM"
  record "webhooks connected" "a CRM watch channel on Tasks" \
    "$(wait_until crm_watched && echo "channel registered" || echo "no channel")" crm_watched
}
grants_active() {
  [[ $(ctl --output=json grant list | jq '[.grants[] | select(.state == "GRANT_STATE_ACTIVE")] |
    length') == 2 ]]
}
portal_policy() { ctl --output=json portal get --portal_id="$PORTAL" | jq -r .portal.rejection_policy; }
crm_watched() { [[ $(sim_get /_sim/crm/watch | jq '.watch | length') -ge 1 ]]; }

setup_directory() {
  heading "Set-up 3/4. Directory imported, accounts auto-mapped"
  did "crmsyncctl directory import --portal_id=$PORTAL"
  local imported
  imported=$(ctl --output=json --timeout=120s directory import --portal_id="$PORTAL" 2>/dev/null)
  seen "$(jq -r '[.counts[] | "\(.part | sub("DIRECTORY_PART_"; "") | ascii_downcase) \(.fetched // 0)"] |
    join(", ")' <<<"$imported")"
  record "directory imported" "users, accounts, projects of both sides" \
    "$(jq -r '[.counts[].fetched] | add' <<<"$imported") records" \
    test "$(jq '[.counts[].fetched] | add' <<<"$imported")" -gt 10

  did "crmsyncctl accounts automap --portal_id=$PORTAL"
  AUTOMAP=$(ctl --output=json accounts automap --portal_id="$PORTAL")
  seen "mapped: $(jq -r '[.mapped[] | "\(.client_account.name) → \(.crm_account.name)"] |
    join(", ")' <<<"$AUTOMAP")"
  seen "ambiguous, left for a person: $(jq -r '[.ambiguous[] | "\"\(.match_key)\" (\(
    [.crm_accounts[].name] | join(" / ")) in CRM)"] | join(", ")' <<<"$AUTOMAP")"
  record "accounts auto-mapped" "2 mapped, 1 ambiguous name reported" \
    "$(jq -r '"\(.mapped | length) mapped, \(.ambiguous | length) ambiguous (\(
      [.ambiguous[].match_key] | join(",")))"' <<<"$AUTOMAP")" automap_as_expected
}
automap_as_expected() {
  jq -e '(.mapped | length) == 2 and (.ambiguous | length) == 1' <<<"$AUTOMAP"
}

setup_add_to_crm() {
  heading "Set-up 4/4. Add to CRM"
  add_to_crm "$MIGRATION" "$MIGRATE_TASK" "$ACME_ACCOUNT"
  add_to_crm "$RELAUNCH" "$LAUNCH_TASK" "$GLOBEX_ACCOUNT"
  add_to_crm "$RELAUNCH" "$LINKS_TASK" "$GLOBEX_ACCOUNT"
  did "Ada clicks Add to CRM on \"Migrate data\", \"Launch the site\" and \"Check the links\":"
  did "crmsyncctl task add-to-crm --project_id=… --projects_task_id=… --crm_account_id=…"
  crmsync_did "links each task PENDING_CREATE; delivery creates the CRM task and the link turns ACTIVE"
  local task
  for task in MIGRATE_TASK LAUNCH_TASK LINKS_TASK; do
    wait_until linked "${!task}" || true
    declare -g "CRM_$task=$(task_state "${!task}" | jq -r '.state.link.crm_task_id // empty')"
  done
  seen "CRM task $CRM_MIGRATE_TASK: $(crm_summary "$CRM_MIGRATE_TASK")"
  record "Add to CRM" "CRM task \"Migrate data\", due 2025-06-20, George" \
    "$(crm_summary "$CRM_MIGRATE_TASK")" \
    crm_is "$CRM_MIGRATE_TASK" '"\(.Subject)|\(.Due_Date)|\(.Owner.email)"' \
    "Migrate data|2025-06-20|$GEORGE"
  wait_until settled "$MIGRATE_TASK" || true
}
add_to_crm() { # project task account
  ctl task add-to-crm --portal_id="$PORTAL" --project_id="$1" --projects_task_id="$2" \
    --crm_account_id="$3" --actor.email="$ADMIN" >/dev/null
}
linked() { [[ $(task_state "$1" | jq -r .state.link.state) == LINK_STATE_ACTIVE ]]; }
crm_summary() {
  crm_task "$1" '"\"\(.Subject)\", due \(.Due_Date), \(.Priority), \(.Status), owner \(.Owner.name)"'
}
projects_summary() {
  projects_task "$1" '"\"\(.name)\", due \(.end_date // "-"), \(.priority), \(.status.name), owner \(
    [.details.owners[]?.name] | join(","))"'
}

# ---- the walkthrough --------------------------------------------------------------------------

# George edits one field of "Migrate data" in Projects; it must show in CRM.
projects_edit() { # label form-fields jq-of-crm-task expected
  edit_in_projects "$MIGRATE_TASK" "$GEORGE" "$2"
  wait_until crm_is "$CRM_MIGRATE_TASK" "$3" "$4" || true
  record "Projects → CRM: $1" "CRM ${3#.} = $4" \
    "CRM ${3#.} = $(crm_task "$CRM_MIGRATE_TASK" "$3")" crm_is "$CRM_MIGRATE_TASK" "$3" "$4"
}
play_projects_edits() {
  heading "1. George edits each of the six fields of \"Migrate data\" in Zoho Projects"
  crmsync_did "Projects' webhook → sync's inbox reads the task → one update written to CRM"
  projects_edit title '{"name":"Migrate customer data"}' .Subject "Migrate customer data"
  projects_edit description '{"description":"Ledgers first, then invoices"}' .Description \
    "Ledgers first, then invoices"
  projects_edit "end date" '{"end_date":"06-25-2025"}' .Due_Date 2025-06-25
  projects_edit priority '{"priority":"high"}' .Priority High
  projects_edit owner "{\"person_responsible\":\"${PROJECTS_USER[$LINDA]}\"}" .Owner.email "$LINDA"
  projects_edit status "{\"custom_status\":\"$STATUS_CLOSED\"}" .Status Completed
  seen "CRM: $(crm_summary "$CRM_MIGRATE_TASK")"
}

# Linda edits one field of the CRM task; it must show in Projects.
crm_edit() { # label crm-fields jq-of-projects-task expected
  edit_in_crm "$CRM_MIGRATE_TASK" "$LINDA" "$2"
  wait_until projects_is "$MIGRATE_TASK" "$3" "$4" || true
  local field=${3#.}
  field=${field/details.owners\[0\]/owner}
  record "CRM → Projects: $1" "Projects $field = $4" \
    "Projects $field = $(projects_task "$MIGRATE_TASK" "$3")" projects_is "$MIGRATE_TASK" "$3" "$4"
}
play_crm_edits() {
  heading "2. Linda edits each of the six fields of the same task in Zoho CRM"
  crmsync_did "CRM's watch callback → sync's inbox reads the task → one update written to Projects"
  crm_edit title '{"Subject":"Migrate all customer data"}' .name "Migrate all customer data"
  crm_edit description '{"Description":"Invoices can wait"}' .description "Invoices can wait"
  crm_edit "end date" '{"Due_Date":"2025-06-27"}' .end_date 06-27-2025
  crm_edit priority '{"Priority":"Low"}' .priority Low
  crm_edit owner "{\"Owner\":{\"id\":\"${CRM_USER[$GEORGE]}\"}}" '.details.owners[0].name' \
    "George Miller"
  crm_edit "status (reopened)" '{"Status":"Not Started"}' .status.name Open
  seen "Projects: $(projects_summary "$MIGRATE_TASK")"
  wait_until settled "$MIGRATE_TASK" || true
}

play_comments() {
  heading "3. A comment each way"
  local comment="Ledgers are in the new system" note="Customer confirmed the cut-over date"
  sim_post "/_sim/projects/portals/$PORTAL/tasks/$MIGRATE_TASK/comments" \
    "{\"user_email\":\"$LINDA\",\"content\":\"$comment\"}" >/dev/null
  did "Linda comments in Projects: \"$comment\""
  wait_until crm_note_has "$comment" || true
  record "comment Projects → CRM" "a CRM note with Linda's comment" \
    "$(crm_notes | head -1)" crm_note_has "$comment"
  sim_post /_sim/clock/advance '{"seconds":1}' >/dev/null
  sim_post "/_sim/crm/Tasks/$CRM_MIGRATE_TASK/notes" \
    "{\"user_email\":\"$GEORGE\",\"Note_Content\":\"$note\"}" >/dev/null
  did "George adds a note in CRM: \"$note\""
  crmsync_did "CRM sends no callback for notes: sync's reconciliation reads new notes (--reconcile_interval)"
  wait_until projects_comment_has "$note" || true
  record "comment CRM → Projects" "a Projects comment with George's note" \
    "$(projects_comments | grep -F "$note" | head -1)" projects_comment_has "$note"
}
crm_notes() { sim_get "/_sim/crm/Tasks/$CRM_MIGRATE_TASK/notes" | jq -r '.data[]?.Note_Content'; }
crm_note_has() { crm_notes | grep -qF "$1"; }
projects_comments() { projects_task "$MIGRATE_TASK" '.comments[]?.content'; }
projects_comment_has() { projects_comments | grep -qF "$1"; }

# George sets the due date in CRM past the strict project's end; $1 names the policy in force.
george_moves_due_date() {
  local mails_before
  mails_before=$(mails_to "$GEORGE")
  edit_in_crm "$CRM_MIGRATE_TASK" "$GEORGE" '{"Due_Date":"2025-07-15"}'
  did "George moves the due date of \"Migrate all customer data\" in CRM to 2025-07-15"
  wait_until has_mails "$GEORGE" $((mails_before + 1)) || true
  wait_until settled "$MIGRATE_TASK" || true
  crmsync_did "refused: $(newest_failure FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE)"
  record "$1: Projects keeps its date" "Projects end date 06-27-2025" \
    "$(projects_task "$MIGRATE_TASK" .end_date)" projects_is "$MIGRATE_TASK" .end_date 06-27-2025
  record "$1: George is emailed" "email $((mails_before + 1)) to George in .run/mail/" \
    "$(mails_to "$GEORGE") email(s): $(last_subject "$GEORGE")" \
    has_mails "$GEORGE" $((mails_before + 1))
}

# The message of the newest failure of reason $1 (crmsyncctl failures list, newest first).
newest_failure() {
  ctl --output=json failures list --portal_id="$PORTAL" |
    jq -r --arg reason "$1" '[.failures // [] | .[] | select(.reason == $reason)][0] |
      if . then "\(.message) (failure of \(.actor.email // .actor.display_name // "?"))"
      else "no failure recorded" end'
}

play_strict_schedule_report_only() {
  heading "4. George sets a due date past the strict schedule (policy $(portal_policy))"
  george_moves_due_date "REPORT_ONLY"
  record "REPORT_ONLY: CRM keeps what he typed" "CRM due date 2025-07-15" \
    "$(crm_task "$CRM_MIGRATE_TASK" .Due_Date)" crm_is "$CRM_MIGRATE_TASK" .Due_Date 2025-07-15
}

play_strict_schedule_report_and_restore() {
  heading "5. The admin switches the portal to REPORT_AND_RESTORE; George tries again"
  jq '.rejection_policy = "REJECTION_POLICY_REPORT_AND_RESTORE"' "$PORTAL_FILE" \
    >"$PORTAL_FILE.new" && mv "$PORTAL_FILE.new" "$PORTAL_FILE"
  ctl portal upsert --file="$PORTAL_FILE" >/dev/null
  did "crmsyncctl portal upsert --file=${PORTAL_FILE#"$ROOT"/} (rejection_policy REPORT_AND_RESTORE)"
  seen "rejection policy $(portal_policy)"
  george_moves_due_date "REPORT_AND_RESTORE"
  wait_until crm_is "$CRM_MIGRATE_TASK" .Due_Date 2025-06-27 || true
  record "REPORT_AND_RESTORE: CRM's date set back" "CRM due date 2025-06-27" \
    "$(crm_task "$CRM_MIGRATE_TASK" .Due_Date)" crm_is "$CRM_MIGRATE_TASK" .Due_Date 2025-06-27
}

play_subtask_reopen() {
  heading "6. Linda reopens her subtask \"Check the links\" in CRM; its parent is closed in Projects" \
    "(policy $(portal_policy))"
  local mails_before
  mails_before=$(mails_to "$LINDA")
  edit_in_crm "$CRM_LINKS_TASK" "$LINDA" '{"Status":"In Progress"}'
  did "Linda sets \"Check the links\" to In Progress in CRM"
  wait_until has_mails "$LINDA" $((mails_before + 1)) || true
  crmsync_did "refused: $(newest_failure FAILURE_REASON_SUBTASK_PARENT_CLOSED)"
  record "subtask reopen refused" "Projects subtask stays Closed" \
    "$(projects_task "$LINKS_TASK" .status.name)" projects_is "$LINKS_TASK" .status.name Closed
  record "Linda is emailed" "an email to Linda in .run/mail/" \
    "$(mails_to "$LINDA") email(s): $(last_subject "$LINDA")" \
    has_mails "$LINDA" $((mails_before + 1))
  wait_until crm_is "$CRM_LINKS_TASK" .Status Completed || true
  record "REPORT_AND_RESTORE: CRM's status set back" "CRM subtask Completed" \
    "$(crm_task "$CRM_LINKS_TASK" .Status)" crm_is "$CRM_LINKS_TASK" .Status Completed
}

# ---- the end ----------------------------------------------------------------------------------

summary() {
  heading "Summary"
  {
    echo "step|expected|seen|ok"
    printf '%s\n' "${STEPS[@]}"
  } | column -t -s '|'
  echo
  echo "emails:  $RUN_DIR/mail/*.eml (one file per email)"
  echo "logs:    $RUN_DIR/logs/{auth,mapping,sync,notify,zoho-sim}.log"
  echo "metrics: http://127.0.0.1:$((BASE + 1001))/metrics … :$((BASE + 1004))/metrics (auth, mapping, sync, notify)"
  echo "Zoho:    $SIM/_sim/… (tools/zoho-sim/README.md), e.g. curl $SIM/_sim/crm/Tasks/$CRM_MIGRATE_TASK"
  echo "try next:"
  echo "  export CRMSYNC_CALLER_TOKEN=\$(sed -n 's/^ADMIN_TOKEN=//p' $RUN_DIR/caller-tokens)"
  echo "  build/bin/crmsyncctl --sync_address=127.0.0.1:$((BASE + 3)) failures list --portal_id=$PORTAL"
  echo "  build/bin/crmsyncctl --sync_address=127.0.0.1:$((BASE + 3)) task state --portal_id=$PORTAL --task.side=projects --task.task_id=$MIGRATE_TASK"
  echo "  grpcurl -plaintext -H \"authorization: Bearer \$CRMSYNC_CALLER_TOKEN\" -d '{\"portal_id\":\"$PORTAL\"}' 127.0.0.1:$((BASE + 3)) crmsync.sync.v1.SyncService/ListFailures"
  if ((FAILED)); then
    echo "$FAILED step(s) did not do what they should (marked NO)"
  else
    echo "every step did what it should"
  fi
}

# Sets the portal up and plays every step; the summary's status: 0 when every step held.
# A set-up step that failed ends the demo there: every later step depends on it.
play_demo() {
  local setup
  for setup in setup_zoho setup_grants setup_directory setup_add_to_crm; do
    "$setup"
    if ((FAILED)); then
      summary
      return 1
    fi
  done
  play_projects_edits
  play_crm_edits
  play_comments
  play_strict_schedule_report_only
  play_strict_schedule_report_and_restore
  play_subtask_reopen
  summary
  ((FAILED == 0))
}
