package io.mailserver.store.jdbc;

class MessagesH2Test extends MessagesContract {
    @Override
    Backend backend() {
        return Backend.H2;
    }
}
