// Mocha's spec reporter plus one plain closing line ("tests: N passed, N failed, N skipped"), the
// summary CI reads for any runner.
const Mocha = require("mocha");

class SpecWithSummary extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once("end", () => {
            const { passes, failures, pending } = this.stats;
            console.log(`tests: ${passes} passed, ${failures} failed, ${pending} skipped`);
        });
    }
}

module.exports = SpecWithSummary;
