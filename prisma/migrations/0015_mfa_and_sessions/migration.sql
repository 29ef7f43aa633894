-- Multi-factor sign-in and sessions: a token records when its sign-in passed the second factor and when it was
-- revoked; TOTP enrolments (RFC 6238) with the newest time step accepted, so no code is taken twice; one-time
-- recovery codes kept as SHA-256; and the failures of each user name signing in, for the lock-out.
ALTER TABLE "access_token" ADD COLUMN "second_factor_at" TIMESTAMPTZ(3), ADD COLUMN "revoked_at" TIMESTAMPTZ(3);
CREATE INDEX "access_token_user_id_idx" ON "access_token" ("user_id");

CREATE TABLE "totp_enrolment" (
    "user_id" UUID NOT NULL,
    "secret" TEXT NOT NULL,
    "confirmed_at" TIMESTAMPTZ(3),
    "last_step" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "totp_enrolment_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "totp_enrolment_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "recovery_code" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "code_hash" CHAR(64) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recovery_code_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recovery_code_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "recovery_code_user_id_code_hash_key" ON "recovery_code" ("user_id", "code_hash");

CREATE TABLE "sign_in_throttle" (
    "username" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "first_failure_at" TIMESTAMPTZ(3) NOT NULL,
    "locked_until" TIMESTAMPTZ(3),

    CONSTRAINT "sign_in_throttle_pkey" PRIMARY KEY ("username")
);
CREATE INDEX "sign_in_throttle_first_failure_at_idx" ON "sign_in_throttle" ("first_failure_at");
