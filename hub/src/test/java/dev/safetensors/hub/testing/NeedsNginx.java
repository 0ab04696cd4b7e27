package dev.safetensors.hub.testing;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @ExtendWith(NeedsNginx.class)}: each test of the class is skipped with the reason when nginx is missing
 * (fails under CI); the class's {@code @BeforeAll} starts its server only when {@link Nginx#installed()}.
 */
public final class NeedsNginx implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        Nginx.require();
    }
}
