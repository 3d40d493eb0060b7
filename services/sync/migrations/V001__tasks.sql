-- Linked tasks (a CRM task ⇄ a Projects task) and the canonical value of each synced field.
CREATE TABLE task_links (
  link_id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  portal_id          text        NOT NULL,
  project_id         text        NOT NULL,
  projects_task_id   text        NOT NULL,
  crm_task_id        text        NOT NULL,
  parent_task_id     text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (portal_id, projects_task_id),
  UNIQUE (portal_id, crm_task_id)
);

-- Per field: its canonical value, a version bumped on every accepted change, the side it came
-- from and that side's modification time, so an older change never overwrites a newer one.
CREATE TABLE task_fields (
  link_id       bigint      NOT NULL REFERENCES task_links ON DELETE CASCADE,
  field         text        NOT NULL CHECK (field IN
                  ('title', 'description', 'end_date', 'priority', 'status', 'owner')),
  value         text        NOT NULL,
  version       bigint      NOT NULL DEFAULT 1,
  source_side   text        NOT NULL CHECK (source_side IN ('CRM', 'PROJECTS')),
  source_time   timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, field)
);
