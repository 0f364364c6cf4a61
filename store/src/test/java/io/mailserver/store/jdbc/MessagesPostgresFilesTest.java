package io.mailserver.store.jdbc;

/** The contract on PostgreSQL with content in files (db.content = files): a site whose nodes share one file system. */
class MessagesPostgresFilesTest extends MessagesContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }

    @Override
    ContentStorage contentStorage() {
        return ContentStorage.FILES;
    }
}
