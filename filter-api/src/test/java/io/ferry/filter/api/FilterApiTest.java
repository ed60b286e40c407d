package io.ferry.filter.api;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class FilterApiTest {

    @Test
    void theSameMajorAndANoNewerMinorAreCompatibleAndThePatchIsIgnored() {
        assertNull(FilterApi.incompatibility("1.0", "1.0"));
        assertNull(FilterApi.incompatibility("1.2", "1.4"));
        assertNull(FilterApi.incompatibility("1.4.7", "1.4"));
        assertNull(FilterApi.incompatibility("1.0.1", "1.1"));
        assertEquals("build it against filter-api 1.x (at most 1.4), or run a Ferry that provides filter-api 1.5",
                FilterApi.incompatibility("1.5", "1.4"));
        assertEquals("rebuild it against filter-api 2.x", FilterApi.incompatibility("1.9", "2.0"));
    }

    @Test
    void aVersionThatIsNotMajorDotMinorGetsAdviceToReturnTheConstant() {
        String advice = "its apiVersion() must return the \"major.minor\" version it was compiled against (return "
                + "FilterApi.VERSION)";
        for (String bad : new String[] {null, "latest", "1", "1.x", "1.0.x", "1.0.0.0", "", "-1.0"}) {
            assertEquals(advice, FilterApi.incompatibility(bad, "1.0"), String.valueOf(bad));
        }
    }

    @Test
    void thePublicMethodChecksAgainstThisVersion() {
        assertEquals(Optional.empty(), FilterApi.incompatibility(FilterApi.VERSION));
        assertEquals(Optional.empty(), FilterApi.incompatibility("1.0"));
        assertEquals("1.1", FilterApi.VERSION, "1.1 added methods to the SPI (metrics(), secretFields(), ...)");
    }
}
