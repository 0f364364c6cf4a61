package io.mailserver.store.jdbc;

class MessagesPostgresTest extends MessagesContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
