package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PythonImportsTest {
    @Test
    void relativeImportsAreFoundWithTheModuleAsWritten() {
        assertThat(PythonImports.relative("""
                import os
                from . import helper
                from .tools import greet
                from ..pkg.mod import thing
                from.compact import x
                """)).containsExactly(".", ".tools", "..pkg.mod", ".compact");
    }

    @Test
    void relativeImportsCountWhereverAStatementStarts() {
        assertThat(PythonImports.relative("""
                def load():
                    from .lazy import x
                    return x
                if True: from .inline import y
                import sys; from .after_semicolon import z
                try:
                    pass
                except ImportError: from .fallback import w
                """)).containsExactly(".lazy", ".inline", ".after_semicolon", ".fallback");
    }

    @Test
    void absoluteImportsArePossiblyRequirementsAndAreLeftAlone() {
        assertThat(PythonImports.relative("""
                from __future__ import annotations
                from os import path
                import helper
                from helper import greet
                """)).isEmpty();
    }

    @Test
    void commentsAndStringsThatReadLikeRelativeImportsAreNotImports() {
        assertThat(PythonImports.relative("""
                \"""A docstring that says
                from . import x
                \"""
                # from .commented import y
                text = 'from .quoted import z'
                other = "from . import \\" escaped"
                raw = r'\\\\'; prefixed = rb"from .bytes import b"
                template = f"{text}"
                \'''
                from .triple_single import q
                \'''
                """)).isEmpty();
    }

    @Test
    void fromThatDoesNotStartAStatementIsNotAnImport() {
        assertThat(PythonImports.relative("""
                def gen():
                    yield from range(3)
                value = (
                    from_this
                )
                raise ValueError("x") from None
                """)).isEmpty();
    }

    @Test
    void crlfLinesAndLineContinuationsAreReadAsPythonReadsThem() {
        assertThat(PythonImports.relative("import os\r\nfrom .windows import a\r\nx = 1 + \\\r\n    2\r\nfrom \\\n    .joined import b\r\n"))
                .containsExactly(".windows", ".joined");
    }
}
