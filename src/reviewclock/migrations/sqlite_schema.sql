-- The schema of a new SQLite register, as every revision makes it (revision 0008).
-- Written by reviewclock.store.schema.sqlite_schema_from_revisions(); do not edit.
BEGIN;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE cases (
	id INTEGER NOT NULL, 
	ref VARCHAR(64) NOT NULL, 
	authority VARCHAR(200), 
	harm VARCHAR(20), 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (ref)
);
CREATE TABLE sent_digests (
	id INTEGER NOT NULL, 
	digest_date DATE NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	recipients TEXT NOT NULL, 
	subject TEXT NOT NULL, 
	sent_at DATETIME NOT NULL, 
	sent_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_sent_digests_digest_date ON sent_digests (digest_date);
CREATE TABLE "events" (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	name VARCHAR(40) NOT NULL, 
	on_date DATE NOT NULL, 
	note TEXT, 
	recorded_by VARCHAR(100) NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	kind VARCHAR(20), 
	amends INTEGER, 
	reason TEXT, decision VARCHAR(20), panel_view VARCHAR(20), national_review BOOLEAN, agreed_to DATE, 
	PRIMARY KEY (id), 
	CONSTRAINT fk_events_amends FOREIGN KEY(amends) REFERENCES events (id), 
	FOREIGN KEY(case_id) REFERENCES cases (id)
);
CREATE INDEX ix_events_amends ON events (amends);
CREATE TABLE deletions (
	id INTEGER NOT NULL, 
	ref VARCHAR(64) NOT NULL, 
	reason TEXT NOT NULL, 
	events INTEGER NOT NULL, 
	deleted_by VARCHAR(100) NOT NULL, 
	deleted_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_deletions_ref ON deletions (ref);
CREATE INDEX ix_events_name_case_id ON events (name, case_id);
CREATE INDEX ix_events_case_id_on_date ON events (case_id, on_date);
INSERT INTO alembic_version (version_num) VALUES ('0008');
COMMIT;
