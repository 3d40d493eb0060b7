-- The sync service's record: task links, the canonical state of every synced field, the events
-- already processed (deduplication), the change log and the recorded failures.

-- A Projects task linked to a CRM task. Changes to one task are serialized by locking its row.
CREATE TABLE task_links (
  link_id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  portal_id               text        NOT NULL,
  project_id              text        NOT NULL,
  projects_task_id        text        NOT NULL,
  -- NULL while the CRM task is being created (PENDING_CREATE).
  crm_task_id             text,
  crm_module              text        NOT NULL CHECK (crm_module IN ('accounts', 'deals')),
  crm_record_id           text        NOT NULL,
  -- '' for a main task.
  projects_parent_task_id text        NOT NULL DEFAULT '',
  state                   text        NOT NULL CHECK (state IN
                            ('active', 'pending_create', 'deleted_in_crm', 'deleted_in_projects')),
  create_time             timestamptz NOT NULL,
  update_time             timestamptz NOT NULL,
  UNIQUE (portal_id, projects_task_id),
  UNIQUE (portal_id, crm_task_id)
);

-- Per field: its canonical value, a version bumped on every applied change, and the side, modified
-- time and event of the change that set it, so an older change never overwrites a newer one.
CREATE TABLE task_fields (
  link_id         bigint      NOT NULL REFERENCES task_links ON DELETE CASCADE,
  field           text        NOT NULL CHECK (field IN
                    ('title', 'description', 'end_date', 'priority', 'status', 'owner')),
  -- {"text": ...} | {"date": "yyyy-mm-dd" or null} | {"priority": n} | {"status": n} |
  -- {"owner": {"email", "crm_user_id", "projects_user_id", "display_name"}}
  value           jsonb       NOT NULL,
  version         bigint      NOT NULL CHECK (version >= 1),
  source_side     text        NOT NULL CHECK (source_side IN ('crm', 'projects')),
  source_time     timestamptz NOT NULL,
  source_event_id text        NOT NULL,
  update_time     timestamptz NOT NULL,
  PRIMARY KEY (link_id, field)
);

-- Every processed event with its first outcome: a repeat answers DUPLICATE with it.
CREATE TABLE processed_events (
  portal_id    text        NOT NULL,
  origin_side  text        NOT NULL CHECK (origin_side IN ('crm', 'projects')),
  event_id     text        NOT NULL,
  -- {"result", "reason", "message", "failure_id", "change_id", "fields": [{"field", "result",
  -- "version", "reason"}]}
  outcome      jsonb       NOT NULL,
  process_time timestamptz NOT NULL,
  PRIMARY KEY (portal_id, origin_side, event_id)
);

-- Every applied change: which fields it set to what, with their new versions.
CREATE TABLE change_log (
  change_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  link_id      bigint      NOT NULL REFERENCES task_links ON DELETE CASCADE,
  origin_side  text        NOT NULL CHECK (origin_side IN ('crm', 'projects')),
  event_id     text        NOT NULL,
  -- [{"field", "version", "value"}]; empty for a deletion.
  fields       jsonb       NOT NULL,
  task_deleted boolean     NOT NULL,
  actor        jsonb       NOT NULL,
  source_time  timestamptz NOT NULL,
  create_time  timestamptz NOT NULL
);
CREATE INDEX change_log_by_link ON change_log (link_id, change_id);

-- Rejected changes (and, later, failed deliveries), listed newest first per portal.
CREATE TABLE failures (
  failure_id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  portal_id          text        NOT NULL,
  reason             text        NOT NULL,
  message            text        NOT NULL,
  origin_side        text        NOT NULL CHECK (origin_side IN ('crm', 'projects')),
  event_id           text        NOT NULL,
  project_id         text        NOT NULL,
  projects_task_id   text        NOT NULL,
  crm_task_id        text        NOT NULL,
  -- '' when the failure is about the whole task.
  field              text        NOT NULL,
  attempted_value    jsonb,
  kept_value         jsonb,
  actor_user_id      text        NOT NULL,
  actor_email        text        NOT NULL,
  actor_display_name text        NOT NULL,
  -- What the failure's email tells beside the values: the task's title and, when a rule read
  -- them, the project's name and schedule and the parent task's title ('' / NULL otherwise).
  task_title         text        NOT NULL,
  project_name       text        NOT NULL,
  project_start_date date,
  project_end_date   date,
  parent_task_title  text        NOT NULL,
  create_time        timestamptz NOT NULL
);
CREATE INDEX failures_newest ON failures (portal_id, create_time DESC, failure_id DESC);
CREATE INDEX failures_by_projects_task ON failures (portal_id, projects_task_id);
CREATE INDEX failures_by_crm_task ON failures (portal_id, crm_task_id);
