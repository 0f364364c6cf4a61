package io.mailserver.store.jdbc;

/** The contract on H2 with content in chunk rows (db.content = database): the backend stores made before V6 use. */
class MessagesH2ChunksTest extends MessagesContract {
    @Override
    Backend backend() {
        return Backend.H2;
    }

    @Override
    ContentStorage contentStorage() {
        return ContentStorage.DATABASE;
    }
}
